import { useState } from 'react';
import type { FormField, FormValue, FormValues } from '../lib/schema-form';
import { rangeText, splitList } from '../lib/schema-form';
import { FileDrop } from './FileDrop';

interface Props {
  idPrefix: string;
  fields: FormField[];
  values: FormValues;
  errors: Record<string, string>;
  disabled?: boolean;
  onChange: (name: string, value: FormValue) => void;
  /** Set: file fields take several files at once (each is run on its own). */
  onFiles?: (name: string, files: File[]) => void;
}

function FieldInput({
  f,
  id,
  value,
  invalid,
  describedBy,
  disabled,
  onChange,
  onFiles,
}: {
  f: FormField;
  id: string;
  value: FormValue;
  invalid: boolean;
  describedBy: string | undefined;
  disabled: boolean | undefined;
  onChange: (v: FormValue) => void;
  onFiles: ((files: File[]) => void) | undefined;
}) {
  const common = {
    id,
    name: f.name,
    disabled,
    'aria-invalid': invalid || undefined,
    'aria-describedby': describedBy,
    'aria-required': f.required || undefined,
  };
  const text = typeof value === 'string' ? value : '';
  switch (f.kind) {
    case 'binary':
      return (
        <FileDrop
          id={id}
          file={value instanceof File ? value : null}
          accept={f.accept}
          media={f.media}
          disabled={disabled}
          invalid={invalid}
          describedBy={describedBy}
          multiple={Boolean(onFiles)}
          onChange={onChange}
          onFiles={onFiles}
        />
      );
    case 'boolean':
      return (
        <label className="switch">
          <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <span className="switch-track" aria-hidden="true" />
          <span className="switch-text">{value === true ? 'Yes' : value === false ? 'No' : 'Not set (default)'}</span>
        </label>
      );
    case 'enum':
      return (
        <select {...common} className="input" value={text} onChange={(e) => onChange(e.target.value)}>
          {!f.required ? <option value="">(default)</option> : null}
          {f.enumValues.map((v, i) => (
            <option key={i} value={String(i)}>
              {String(v)}
            </option>
          ))}
        </select>
      );
    case 'number':
    case 'integer':
      return (
        <input
          {...common}
          className="input"
          type="number"
          inputMode={f.kind === 'integer' ? 'numeric' : 'decimal'}
          step={f.kind === 'integer' ? 1 : 'any'}
          min={f.minimum ?? undefined}
          max={f.maximum ?? undefined}
          placeholder={f.defaultValue !== undefined ? `default ${String(f.defaultValue)}` : undefined}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'text':
    case 'json':
      return (
        <textarea
          {...common}
          className={`input${f.kind === 'json' ? ' mono' : ''}`}
          rows={f.kind === 'json' ? 4 : 3}
          maxLength={f.maxLength ?? undefined}
          placeholder={f.kind === 'json' ? 'JSON value' : undefined}
          spellCheck={f.kind !== 'json'}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'string-array': {
      const items = splitList(text);
      return (
        <>
          <input
            {...common}
            className="input"
            type="text"
            placeholder="comma-separated, e.g. person, car"
            value={text}
            onChange={(e) => onChange(e.target.value)}
          />
          {items.length > 0 ? (
            <div className="chips" aria-hidden="true">
              {items.map((it, i) => (
                <span className="chip" key={i}>
                  {it}
                </span>
              ))}
            </div>
          ) : null}
        </>
      );
    }
    default:
      return (
        <input
          {...common}
          className="input"
          type="text"
          maxLength={f.maxLength ?? undefined}
          pattern={f.pattern ?? undefined}
          title={f.pattern ? `Must match ${f.pattern}` : undefined}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
}

const SHORT = 140;

/** A field's description; long ones (e.g. a list of every valid label) fold after the first sentence. */
function Description({ text }: { text: string }) {
  const [open, setOpen] = useState(false);
  if (text.length <= SHORT) return <>{text}</>;
  const cut = text.slice(0, SHORT);
  const end = cut.search(/[.:;]\s[^.:;]*$/);
  const head = end > 40 ? cut.slice(0, end + 1) : `${cut.trimEnd()}…`;
  return (
    <>
      {open ? text : head}{' '}
      <button type="button" className="link-btn" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {open ? 'less' : 'more'}
      </button>
    </>
  );
}

/** The form of a tool's input schema (fields from lib/schema-form). */
export function SchemaForm({ idPrefix, fields, values, errors, disabled, onChange, onFiles }: Props) {
  return (
    <div className="fields">
      {fields.map((f) => {
        const id = `${idPrefix}-${f.name}`;
        const error = errors[f.name];
        const range = f.kind === 'number' || f.kind === 'integer' ? rangeText(f) : null;
        const descId = f.description || range ? `${id}-desc` : undefined;
        const errId = error ? `${id}-err` : undefined;
        const describedBy = [descId, errId].filter(Boolean).join(' ') || undefined;
        return (
          <div className={`field field-${f.kind}`} key={f.name}>
            <div className="field-top">
              <label className="field-label" htmlFor={id}>
                {f.label}
                {f.required ? (
                  <span className="req" aria-label="required">
                    *
                  </span>
                ) : null}
              </label>
              {f.label.toLowerCase().replace(/ /g, '_') !== f.name ? (
                <code className="field-name">{f.name}</code>
              ) : null}
            </div>
            <FieldInput
              f={f}
              id={id}
              value={values[f.name]}
              invalid={Boolean(error)}
              describedBy={describedBy}
              disabled={disabled}
              onChange={(v) => onChange(f.name, v)}
              onFiles={onFiles ? (files) => onFiles(f.name, files) : undefined}
            />
            {f.description || range ? (
              <p id={descId} className="field-desc">
                {f.description ? <Description text={f.description} /> : null}
                {range ? <span className="range">{range}</span> : null}
              </p>
            ) : null}
            {error ? (
              <p id={errId} className="field-error">
                {error}
              </p>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
