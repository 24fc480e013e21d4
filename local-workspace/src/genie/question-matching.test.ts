import { describe, expect, it } from "vitest";
import { findParameterValues } from "./parameter-values.js";
import { matchQuestion } from "./question-matching.js";
import { testAirports, testExamples } from "./test-support.js";

const exampleIndex = (question: string) =>
  testExamples.findIndex((example) => example.question === question);

const monthlyDelay = exampleIndex(
  "What was the average departure delay in January 2001?",
);
const overallDelay = exampleIndex(
  "What is the average departure delay overall?",
);
const departures = exampleIndex("How many flights departed from SFO?");
const monthlyDepartures = exampleIndex(
  "How many flights departed from SFO in March?",
);
const stateAirports = exampleIndex(
  "Which airports in CA had the most flights?",
);
const topRoutes = exampleIndex(
  "What are the top 5 routes by number of flights?",
);
const route = exampleIndex("How many flights went from SFO to LAX?");

describe("matchQuestion", () => {
  const cases: [string, number, Record<string, string>][] = [
    [
      "What was the average departure delay in February 2001?",
      monthlyDelay,
      { month: "2" },
    ],
    ["average delay in Feb", monthlyDelay, { month: "2" }],
    [
      "What was the avg departure delay in 2001-03?",
      monthlyDelay,
      { month: "3" },
    ],
    ["Average departure delays in december?", monthlyDelay, { month: "12" }],
    ["What is the average departure delay overall?", overallDelay, {}],
    ["May I see the average departure delay?", overallDelay, {}],
    ["How many flights departed from ORD?", departures, { airport: "ORD" }],
    ["how many flights departed from sfo?", departures, { airport: "SFO" }],
    [
      "How many flights per day departed from SFO?",
      departures,
      { airport: "SFO" },
    ],
    [
      "How many flights departed from Chicago in January?",
      monthlyDepartures,
      { airport: "ORD", month: "1" },
    ],
    [
      "Number of flights departing SFO in May 2001",
      monthlyDepartures,
      { airport: "SFO", month: "5" },
    ],
    [
      "Which airports in California had the most flights?",
      stateAirports,
      { state: "CA" },
    ],
    [
      "Which airports in NY had the most flights?",
      stateAirports,
      { state: "NY" },
    ],
    [
      "Which airports in West Virginia had the most flights?",
      stateAirports,
      { state: "WV" },
    ],
    [
      "What are the top 10 routes by number of flights?",
      topRoutes,
      { limit: "10" },
    ],
    [
      "What are the top three routes by number of flights?",
      topRoutes,
      { limit: "3" },
    ],
    [
      "How many flights went from San Francisco to New York?",
      route,
      { origin: "SFO", destination: "JFK" },
    ],
  ];

  it.each(cases)("matches %j", (question, expectedIndex, expectedValues) => {
    const match = matchQuestion(question, testExamples, testAirports);

    expect(match?.example.question).toBe(testExamples[expectedIndex]?.question);
    const values = Object.fromEntries(
      (match?.parameters ?? []).map((parameter) => [
        parameter.name,
        parameter.value,
      ]),
    );
    expect(values).toEqual(expectedValues);
  });

  it.each([
    "What is the weather in Denver?",
    "How many birds hit planes?",
    "Tell me a joke",
    "",
  ])("finds no example for %j", (question) => {
    expect(matchQuestion(question, testExamples, testAirports)).toBeUndefined();
  });

  it("skips an example whose parameter is missing", () => {
    const match = matchQuestion(
      "How many flights departed?",
      testExamples,
      testAirports,
    );

    expect(match?.example.question).not.toBe(
      testExamples[departures]?.question,
    );
    expect(match?.example.question).not.toBe(
      testExamples[monthlyDepartures]?.question,
    );
  });

  it("declines when a named airport would be ignored", () => {
    const match = matchQuestion(
      "How many flights went from SFO to LAX via DEN?",
      testExamples,
      testAirports,
    );

    expect(match).toBeUndefined();
  });

  it("takes integers only inside the parameter's range", () => {
    const examples = [
      {
        question: "How many strikes were there in 1995?",
        sql: "SELECT COUNT(*) FROM strikes WHERE year = :year",
        description: "Strikes in one year.",
        parameters: [
          {
            name: "year",
            kind: "integer" as const,
            minimum: 1990,
            maximum: 2002,
          },
        ],
      },
    ];

    expect(
      matchQuestion(
        "How many strikes were there in 1999?",
        examples,
        testAirports,
      )?.parameters[0]?.value,
    ).toBe("1999");
    expect(
      matchQuestion(
        "How many strikes cost over 1000 dollars?",
        examples,
        testAirports,
      ),
    ).toBeUndefined();
  });

  it("prefers an example that keeps every filter", () => {
    const examples = [
      {
        question: "How many flights departed from SFO?",
        sql: "SELECT COUNT(*) AS flight_count FROM flights WHERE origin = :airport",
        description: "Departures from one airport.",
        parameters: [{ name: "airport", kind: "airport" as const }],
      },
      {
        question: "What was the average delay for flights from SFO in March?",
        sql: "SELECT AVG(delay), COUNT(*) FROM flights WHERE origin = :airport AND month(date) = :month",
        description: "Delay and departures from one airport in one month.",
        parameters: [
          { name: "airport", kind: "airport" as const },
          { name: "month", kind: "month" as const },
        ],
      },
    ];

    const match = matchQuestion(
      "How many flights departed from Chicago in Feb?",
      examples,
      testAirports,
    );

    expect(match?.example).toBe(examples[1]);
    expect(match?.parameters.map((parameter) => parameter.value)).toEqual([
      "ORD",
      "2",
    ]);
  });

  it("types months and integers as INT and codes as STRING", () => {
    const match = matchQuestion(
      "How many flights departed from SFO in March?",
      testExamples,
      testAirports,
    );

    expect(match?.parameters).toEqual([
      { name: "airport", kind: "airport", value: "SFO", sqlType: "STRING" },
      { name: "month", kind: "month", value: "3", sqlType: "INT" },
    ]);
  });
});

describe("findParameterValues", () => {
  const valuesOf = (question: string) =>
    findParameterValues(question, testAirports).map(
      (value) => `${value.kind}=${value.value}`,
    );

  it("reads a month with its year as one value", () => {
    expect(valuesOf("delay in February 2001")).toEqual(["month=2"]);
  });

  it("reads ISO year-month", () => {
    expect(valuesOf("delay in 2001-02")).toEqual(["month=2"]);
  });

  it("ignores lower-case state codes that are English words", () => {
    expect(valuesOf("flights in or out of Denver")).toEqual(["airport=DEN"]);
  });

  it("ignores lower-case codes that are everyday words", () => {
    expect(valuesOf("flights per day")).toEqual([]);
  });

  it("needs a capital for one-word cities", () => {
    expect(valuesOf("how many flights from chicago")).toEqual([]);
    expect(valuesOf("how many flights from Chicago")).toEqual(["airport=ORD"]);
  });

  it("reads state names and codes", () => {
    expect(valuesOf("flights from Texas or CA")).toEqual([
      "state=TX",
      "state=CA",
    ]);
  });

  it("ignores words inside e-mail addresses and domains", () => {
    expect(valuesOf("I am carol@example.san, flights from SFO")).toEqual([
      "airport=SFO",
    ]);
    expect(valuesOf("see den.example.com for flights")).toEqual([]);
  });

  it("reads lower-case codes only after a place preposition", () => {
    expect(valuesOf("flights from sfo")).toEqual(["airport=SFO"]);
    expect(valuesOf("Den of thieves")).toEqual([]);
    expect(valuesOf("how many flights san")).toEqual([]);
  });

  it("reads a city name followed by state as the state", () => {
    expect(valuesOf("flights from New York state")).toEqual(["state=NY"]);
  });

  it("keeps the month verb out", () => {
    expect(valuesOf("May I ask about May 2001")).toEqual(["month=5"]);
  });
});
