/**
 * Page decompressors for hyparquet beyond the SNAPPY codec it decodes itself. The
 * vega-datasets `flights-3m.parquet` file uses ZSTD, which Node 20's zlib lacks, so the
 * pure JavaScript decoders of `hyparquet-compressors` handle every codec in process.
 */
import type { Compressors } from "hyparquet";
import { compressors } from "hyparquet-compressors";

/** Thrown when a Parquet page cannot be decompressed. The message names the fix. */
export class ParquetCompressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ParquetCompressionError";
  }
}

function checkLength(page: Uint8Array, expected: number, codec: string) {
  if (page.length !== expected) {
    throw new ParquetCompressionError(
      `A ${codec} Parquet page decompressed to ${page.length} bytes instead of ${expected}; the file may be damaged.`,
    );
  }
  return page;
}

/** The package's decoders, each checked for the page length the file declares. */
export const parquetCompressors: Compressors = Object.fromEntries(
  Object.entries(compressors).map(([codec, decompress]) => [
    codec,
    (input: Uint8Array, outputLength: number) =>
      checkLength(decompress(input, outputLength), outputLength, codec),
  ]),
);
