import { InvalidArgumentError } from "commander";

/** Returns a commander parser that accepts whole numbers from `minimum` to `maximum` for `flag`. */
export function wholeNumber(
  flag: string,
  minimum: number,
  maximum = Number.MAX_SAFE_INTEGER,
) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < minimum || value > maximum) {
      throw new InvalidArgumentError(
        `${flag} must be a whole number from ${minimum} to ${maximum}, got ${JSON.stringify(text)}.`,
      );
    }
    return value;
  };
}

/** Parser for a TCP port; 0 asks the system for a free one. */
export const portNumber = (flag: string) => wholeNumber(flag, 0, 65535);
