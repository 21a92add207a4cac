/**
 * Turns a tool's input JSON Schema into form fields, and form values back into call arguments. Pure: the React
 * form (components/SchemaForm.tsx) only renders what this decides.
 */
import { IMAGE_ACCEPT, acceptFromDescription } from './media';

export type FieldKind =
  'string' | 'text' | 'number' | 'integer' | 'boolean' | 'enum' | 'string-array' | 'binary' | 'json';

export type EnumValue = string | number | boolean;

export interface FormField {
  name: string;
  kind: FieldKind;
  label: string;
  description: string | null;
  required: boolean;
  defaultValue: unknown;
  minimum: number | null;
  maximum: number | null;
  exclusiveMinimum: number | null;
  exclusiveMaximum: number | null;
  minLength: number | null;
  maxLength: number | null;
  pattern: string | null;
  enumValues: EnumValue[];
  /** For binary fields: the `accept` of the file picker, e.g. `image/*`. */
  accept: string | null;
  /** For binary fields: what the picker expects, used for previews. */
  media: 'image' | 'video' | 'other' | null;
}

export interface FormSchema {
  fields: FormField[];
  /** The schema allows properties it does not list (no `additionalProperties: false`). */
  acceptsExtra: boolean;
}

/** What a file input holds; `File` in the browser, any look-alike in tests. */
export interface FileLike {
  name: string;
  size: number;
  type: string;
}

export type FormValue = string | boolean | FileLike | null | undefined;
export type FormValues = Record<string, FormValue>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** `session_id` → `Session id`, `minScore` → `Min score`. */
/** Argument names that are abbreviations nobody reads as words. */
const ABBREVIATIONS: Record<string, string> = {
  psm: 'Page segmentation mode (psm)',
  fps: 'Frames per second',
  iou: 'Overlap threshold (IoU)',
  nms: 'Overlap suppression (NMS)',
};

export function humanize(name: string): string {
  const lower = name.toLowerCase();
  if (Object.hasOwn(ABBREVIATIONS, lower)) return ABBREVIATIONS[lower]!;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : name;
}

function primaryType(schema: Record<string, unknown>): string | null {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t.find((x) => typeof x === 'string' && x !== 'null') as string | undefined) ?? null;
  return null;
}

/** A property is binary when it is a string with `contentEncoding: base64` (the plugin format, docs/plugin-authoring.md). */
export function isBinarySchema(schema: unknown): boolean {
  return isObject(schema) && primaryType(schema) === 'string' && schema.contentEncoding === 'base64';
}

function mediaOf(name: string, schema: Record<string, unknown>): { accept: string | null; media: FormField['media'] } {
  const declared = typeof schema.contentMediaType === 'string' ? schema.contentMediaType : null;
  const text = `${name} ${typeof schema.description === 'string' ? schema.description : ''}`.toLowerCase();
  if (declared?.startsWith('video/') || /\bvideo\b/.test(name.toLowerCase())) {
    return { accept: declared ?? 'video/*,image/gif', media: 'video' };
  }
  if (declared?.startsWith('image/') || /\b(image|frame|photo|picture)\b/.test(text)) {
    return { accept: declared ?? acceptFromDescription(text) ?? IMAGE_ACCEPT, media: 'image' };
  }
  if (/\bvideo\b/.test(text)) return { accept: 'video/*,image/gif', media: 'video' };
  return { accept: declared, media: 'other' };
}

function kindOf(schema: Record<string, unknown>): FieldKind {
  if (
    Array.isArray(schema.enum) &&
    schema.enum.length > 0 &&
    schema.enum.every((v) => ['string', 'number', 'boolean'].includes(typeof v))
  ) {
    return 'enum';
  }
  if (isBinarySchema(schema)) return 'binary';
  switch (primaryType(schema)) {
    case 'string': {
      // Long free text gets a text area; identifiers and short values a single line.
      const max = num(schema.maxLength);
      return max !== null && max > 200 ? 'text' : 'string';
    }
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const items = schema.items;
      if (isObject(items) && primaryType(items) === 'string' && !isBinarySchema(items)) return 'string-array';
      return 'json';
    }
    default:
      return 'json';
  }
}

/** The form of a tool's input schema; unknown or nested shapes become JSON text fields. */
export function schemaToFields(schema: unknown): FormSchema {
  if (!isObject(schema)) return { fields: [], acceptsExtra: true };
  const props = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : []);
  const fields: FormField[] = [];
  for (const [name, raw] of Object.entries(props)) {
    const p = isObject(raw) ? raw : {};
    const kind = kindOf(p);
    const { accept, media } = kind === 'binary' ? mediaOf(name, p) : { accept: null, media: null };
    fields.push({
      name,
      kind,
      label: typeof p.title === 'string' && p.title ? p.title : humanize(name),
      description: typeof p.description === 'string' ? p.description : null,
      required: required.has(name),
      defaultValue: p.default,
      minimum: num(p.minimum),
      maximum: num(p.maximum),
      exclusiveMinimum: num(p.exclusiveMinimum),
      exclusiveMaximum: num(p.exclusiveMaximum),
      minLength: num(p.minLength),
      maxLength: num(p.maxLength),
      pattern: typeof p.pattern === 'string' ? p.pattern : null,
      enumValues: kind === 'enum' ? (p.enum as EnumValue[]) : [],
      accept,
      media,
    });
  }
  return { fields, acceptsExtra: schema.additionalProperties !== false };
}

/** Initial form values: each field's default, else empty. Enum values are held as their index. */
export function initialValues(fields: FormField[]): FormValues {
  const values: FormValues = {};
  for (const f of fields) {
    const d = f.defaultValue;
    switch (f.kind) {
      case 'boolean':
        values[f.name] = typeof d === 'boolean' ? d : undefined;
        break;
      case 'enum': {
        const i = f.enumValues.findIndex((v) => v === d);
        values[f.name] = i >= 0 ? String(i) : f.required ? '0' : '';
        break;
      }
      case 'string-array':
        values[f.name] = Array.isArray(d) ? d.join(', ') : '';
        break;
      case 'json':
        values[f.name] = d === undefined ? '' : JSON.stringify(d, null, 2);
        break;
      case 'binary':
        values[f.name] = null;
        break;
      default:
        values[f.name] = d === undefined || d === null ? '' : String(d);
    }
  }
  return values;
}

export interface BuiltArgs<F extends FileLike = FileLike> {
  /** JSON arguments (everything but files). */
  args: Record<string, unknown>;
  /** Binary arguments, by name. */
  files: Record<string, F>;
  /** Problems by field name (`_extra` for the extra-JSON box); empty when the args can be sent. */
  errors: Record<string, string>;
}

const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

function checkNumber(f: FormField, text: string): { value?: number; error?: string } {
  const value = Number(text);
  if (!Number.isFinite(value)) return { error: 'must be a number' };
  if (f.kind === 'integer' && !Number.isInteger(value)) return { error: 'must be a whole number' };
  if (f.minimum !== null && value < f.minimum) return { error: `must be ≥ ${f.minimum}` };
  if (f.maximum !== null && value > f.maximum) return { error: `must be ≤ ${f.maximum}` };
  if (f.exclusiveMinimum !== null && value <= f.exclusiveMinimum) return { error: `must be > ${f.exclusiveMinimum}` };
  if (f.exclusiveMaximum !== null && value >= f.exclusiveMaximum) return { error: `must be < ${f.exclusiveMaximum}` };
  return { value };
}

function checkString(f: FormField, value: string): string | null {
  if (f.minLength !== null && value.length < f.minLength) return `needs at least ${f.minLength} characters`;
  if (f.maxLength !== null && value.length > f.maxLength) return `at most ${f.maxLength} characters`;
  if (f.pattern) {
    try {
      if (!new RegExp(f.pattern, 'u').test(value)) return `must match ${f.pattern}`;
    } catch {
      // A pattern JavaScript cannot compile is left to the server.
    }
  }
  return null;
}

/** Splits "a, b\nc" into ["a", "b", "c"]. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Form values → call arguments. Empty optional fields are left out (the tool's defaults apply); required empty
 * ones and values the schema forbids are reported in `errors` so the form can show them before sending.
 */
export function buildArgs<F extends FileLike>(
  fields: FormField[],
  values: Record<string, string | boolean | F | null | undefined>,
  extraJson = '',
): BuiltArgs<F> {
  const args: Record<string, unknown> = {};
  const files: Record<string, F> = {};
  const errors: Record<string, string> = {};

  if (extraJson.trim()) {
    try {
      const extra: unknown = JSON.parse(extraJson);
      if (!isObject(extra)) errors._extra = 'must be a JSON object like {"key": "value"}';
      else if (FORBIDDEN_KEYS.some((k) => Object.hasOwn(extra, k)))
        errors._extra = 'must not contain __proto__ or constructor';
      else Object.assign(args, extra);
    } catch (err) {
      errors._extra = `not valid JSON: ${(err as Error).message}`;
    }
  }

  for (const f of fields) {
    const v = values[f.name];
    const missing = (): void => {
      if (f.required) errors[f.name] = f.kind === 'binary' ? 'choose a file' : 'required';
    };
    switch (f.kind) {
      case 'binary':
        if (v && typeof v === 'object') files[f.name] = v;
        else missing();
        break;
      case 'boolean':
        if (typeof v === 'boolean') args[f.name] = v;
        else missing();
        break;
      case 'enum': {
        const i = typeof v === 'string' && v !== '' ? Number(v) : NaN;
        if (Number.isInteger(i) && i >= 0 && i < f.enumValues.length) args[f.name] = f.enumValues[i];
        else missing();
        break;
      }
      case 'number':
      case 'integer': {
        const text = typeof v === 'string' ? v.trim() : '';
        if (!text) {
          missing();
          break;
        }
        const r = checkNumber(f, text);
        if (r.error) errors[f.name] = r.error;
        else args[f.name] = r.value;
        break;
      }
      case 'string-array': {
        const list = typeof v === 'string' ? splitList(v) : [];
        if (list.length) args[f.name] = list;
        else missing();
        break;
      }
      case 'json': {
        const text = typeof v === 'string' ? v.trim() : '';
        if (!text) {
          missing();
          break;
        }
        try {
          args[f.name] = JSON.parse(text);
        } catch (err) {
          errors[f.name] = `not valid JSON: ${(err as Error).message}`;
        }
        break;
      }
      default: {
        const text = typeof v === 'string' ? v : '';
        if (!text) {
          missing();
          break;
        }
        const problem = checkString(f, text);
        if (problem) errors[f.name] = problem;
        else args[f.name] = text;
      }
    }
  }
  return { args, files, errors };
}

/** A human range like "0 – 255" for number fields, or null. */
export function rangeText(f: FormField): string | null {
  const lo = f.minimum ?? f.exclusiveMinimum;
  const hi = f.maximum ?? f.exclusiveMaximum;
  if (lo === null && hi === null) return null;
  if (lo !== null && hi !== null) return `${lo} – ${hi}`;
  return lo !== null ? `≥ ${lo}` : `≤ ${hi}`;
}
