/**
 * Browser script of the chat page. It posts the question to the app's
 * `POST /responses` with `"stream": true`, reads the server-sent events as they arrive
 * and writes them with `textContent` only, so nothing the model or a tool returns is
 * ever parsed as HTML. `data-state` on the answer tells tests and readers when the
 * stream is `streaming`, `done`, `incomplete` (cut before `[DONE]`) or `failed`.
 */
export const chatScript = String.raw`
const form = document.getElementById("ask");
const input = document.getElementById("question");
const button = document.getElementById("send");
const steps = document.getElementById("steps");
const answer = document.getElementById("answer");
const status = document.getElementById("status");

function addStep(text) {
  const item = document.createElement("li");
  item.textContent = text;
  steps.append(item);
}

function handleEvent(event) {
  switch (event.type) {
    case "response.output_text.delta":
      answer.textContent += event.delta;
      break;
    case "behalf.tool_progress": {
      const sql = event.data && typeof event.data.sql === "string" ? " " + event.data.sql : "";
      addStep(event.name + ": " + event.status + sql);
      break;
    }
    case "response.output_item.done":
      if (event.item && event.item.type === "function_call") {
        addStep("→ " + event.item.name + " " + event.item.arguments);
      }
      break;
    case "error":
      status.textContent = "Error " + event.code + ": " + event.message;
      break;
  }
}

async function ask(question) {
  const response = await fetch("/responses", {
    method: "POST",
    headers: { "Content-Type": "application/json", "x-behalf-progress": "true" },
    body: JSON.stringify({ input: [{ role: "user", content: question }], stream: true }),
  });
  if (response.status === 401) {
    window.location.assign("/.auth/sign-in");
    return "failed";
  }
  if (!response.ok || response.body === null) {
    status.textContent = "The app answered HTTP " + response.status + ": " + (await response.text());
    return "failed";
  }

  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let finished = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      break;
    }
    buffer = (buffer + value).replace(/\r\n/g, "\n");
    let boundary = buffer.indexOf("\n\n");
    while (boundary !== -1) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      boundary = buffer.indexOf("\n\n");
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (data === "") {
        continue;
      }
      if (data === "[DONE]") {
        finished = true;
        continue;
      }
      handleEvent(JSON.parse(data));
    }
  }
  return finished ? "done" : "incomplete";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const question = input.value.trim();
  if (question === "") {
    return;
  }
  steps.replaceChildren();
  answer.textContent = "";
  status.textContent = "Asking…";
  answer.dataset.state = "streaming";
  button.disabled = true;
  try {
    const state = await ask(question);
    answer.dataset.state = state;
    if (state === "done" && status.textContent === "Asking…") {
      status.textContent = "";
    } else if (state === "incomplete") {
      status.textContent = "The stream ended before the answer was complete.";
    }
  } catch (error) {
    answer.dataset.state = "failed";
    status.textContent = "The request failed: " + error.message;
  } finally {
    button.disabled = false;
  }
});
`;
