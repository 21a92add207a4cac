import { useId, useState, type ClipboardEvent, type DragEvent } from 'react';
import { useObjectUrl } from '../hooks/useObjectUrl';
import { formatBytes } from '../lib/format';
import { describeAccept, looksLikeImage } from '../lib/media';
import { SAMPLES, sampleFile } from '../samples';

interface Props {
  id: string;
  file: File | null;
  accept: string | null;
  media: 'image' | 'video' | 'other' | null;
  disabled?: boolean;
  invalid?: boolean;
  describedBy?: string | undefined;
  /** Several files may be chosen at once; the first is shown, all are handed to `onFiles`. */
  multiple?: boolean;
  onChange: (file: File | null) => void;
  /** Every file of a multiple choice, drop or paste (the first is also passed to `onChange`). */
  onFiles?: (files: File[]) => void;
}

const ARTICLE: Record<string, string> = { image: 'an image', video: 'a video', other: 'a file' };

/** The files of a clipboard paste (a screenshot, or files copied in a file manager). */
export function pastedFiles(e: { clipboardData: DataTransfer | null }): File[] {
  const out: File[] = [];
  const items = e.clipboardData?.items;
  if (items) {
    for (const item of Array.from(items)) {
      const f = item.kind === 'file' ? item.getAsFile() : null;
      if (f) out.push(f.name ? f : new File([f], `pasted.${f.type.split('/')[1] ?? 'bin'}`, { type: f.type }));
    }
  }
  if (out.length === 0 && e.clipboardData?.files) out.push(...Array.from(e.clipboardData.files));
  return out;
}

/** A file picker with drag and drop, paste, samples, and an image/video preview. */
export function FileDrop({
  id,
  file,
  accept,
  media,
  disabled,
  invalid,
  describedBy,
  multiple,
  onChange,
  onFiles,
}: Props) {
  const [over, setOver] = useState(false);
  const [previewFailed, setPreviewFailed] = useState<File | null>(null);
  const [sampleError, setSampleError] = useState<string | null>(null);
  const url = useObjectUrl(file);
  const hintId = useId();
  const kind = file?.type.startsWith('video/') ? 'video' : file && looksLikeImage(file) ? 'image' : 'other';
  const wrongKind = file !== null && media === 'image' && kind !== 'image';

  const take = (files: File[]) => {
    if (disabled || files.length === 0) return;
    const list = multiple ? files : files.slice(0, 1);
    onChange(list[0]!);
    onFiles?.(list);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    take(Array.from(e.dataTransfer.files));
  };

  const onPaste = (e: ClipboardEvent) => {
    const files = pastedFiles(e);
    if (files.length === 0) return;
    e.preventDefault();
    take(files);
  };

  const trySample = async (name: string) => {
    const sample = SAMPLES.find((s) => s.name === name);
    if (!sample) return;
    setSampleError(null);
    try {
      take([await sampleFile(sample)]);
    } catch (err) {
      setSampleError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div
      className={`drop${over ? ' over' : ''}${file ? ' has-file' : ''}${invalid ? ' invalid' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        if (!disabled) setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      onPaste={onPaste}
    >
      <input
        id={id}
        className="drop-input"
        type="file"
        accept={accept ?? undefined}
        multiple={multiple}
        disabled={disabled}
        aria-invalid={invalid || undefined}
        aria-describedby={[describedBy, hintId].filter(Boolean).join(' ') || undefined}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          if (files.length) take(files);
          else onChange(null);
          e.target.value = '';
        }}
      />
      {file && url ? (
        <div className="drop-preview">
          {kind === 'image' && previewFailed !== file ? (
            <img src={url} alt={`Preview of ${file.name}`} onError={() => setPreviewFailed(file)} />
          ) : null}
          {kind === 'image' && previewFailed === file ? (
            <p className="drop-nopreview muted small" data-testid="no-preview">
              The browser cannot show this format; the tool can still read it.
            </p>
          ) : null}
          {kind === 'video' ? <video src={url} muted controls aria-label={`Preview of ${file.name}`} /> : null}
          {wrongKind ? (
            <p className="field-error" data-testid="not-an-image">
              {file.name} does not look like an image ({file.type || 'unknown type'}); the tool will likely refuse it.
            </p>
          ) : null}
          <div className="drop-file">
            <span className="drop-name" title={file.name}>
              {file.name}
            </span>
            <span className="muted small">{formatBytes(file.size)}</span>
            <label htmlFor={id} className="btn btn-small btn-ghost">
              Replace
            </label>
            <button
              type="button"
              className="btn btn-small btn-ghost"
              onClick={() => onChange(null)}
              disabled={disabled}
            >
              Remove
            </button>
          </div>
        </div>
      ) : (
        <label htmlFor={id} className="drop-empty">
          <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
            <path
              fill="currentColor"
              d="M19 13v6H5v-6H3v6a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2v-6zM11 6.8V16h2V6.8l3.6 3.6L18 9l-6-6-6 6 1.4 1.4z"
            />
          </svg>
          <span>
            <strong>Choose {multiple ? `${ARTICLE[media ?? 'other']} or several` : ARTICLE[media ?? 'other']}</strong>,
            drop {multiple ? 'them' : 'it'} here or paste
          </span>
          <span id={hintId} className="muted small">
            {describeAccept(accept)}
          </span>
        </label>
      )}
      {media === 'image' && !file ? (
        <div className="samples">
          <span className="muted small">Or try a sample:</span>
          {SAMPLES.map((s) => (
            <button
              key={s.name}
              type="button"
              className="btn btn-small btn-secondary"
              disabled={disabled}
              onClick={() => void trySample(s.name)}
            >
              {s.label}
            </button>
          ))}
          {sampleError ? <span className="field-error">{sampleError}</span> : null}
        </div>
      ) : null}
    </div>
  );
}
