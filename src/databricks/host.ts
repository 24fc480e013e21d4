import { ConfigError } from "../errors/errors.js";

/**
 * Normalises a workspace host to its origin. Databricks Apps may inject `DATABRICKS_HOST`
 * without a scheme, so `https://` is added when none is given.
 */
export function normalizeHost(host: string, source = "workspace host"): string {
  const trimmed = host.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)
    ? trimmed
    : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(
      `The ${source} ${JSON.stringify(host)} is not a valid URL. Use the workspace URL, e.g. https://adb-1234567890123456.7.azuredatabricks.net.`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(
      `The ${source} ${JSON.stringify(host)} must use https (or http on loopback).`,
    );
  }
  return url.origin;
}
