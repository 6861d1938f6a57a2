/** Rows of `settings`: JSON values the caller parses itself. */
import { z } from 'zod';
import { JsonTextSchema, parseRow } from './common';

export function settingFromRow(row: unknown): unknown {
  return parseRow(z.object({ value: JsonTextSchema }), row, 'settings').value;
}

/** Settings hold JSON; `undefined`, functions and symbols have no JSON form and are refused. */
export function settingToJson(value: unknown): string {
  const json: unknown = JSON.stringify(value);
  if (typeof json !== 'string') throw new TypeError('A setting value must be JSON-serialisable');
  return json;
}
