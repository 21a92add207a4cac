import { useId, useState, type DragEvent } from 'react';
import { useObjectUrl } from '../hooks/useObjectUrl';
import { formatBytes } from '../lib/format';
import { describeAccept } from '../lib/media';

interface Props {
  id: string;
  file: File | null;
  accept: string | null;
  media: 'image' | 'video' | 'other' | null;
  disabled?: boolean;
  invalid?: boolean;
  describedBy?: string | undefined;
  onChange: (file: File | null) => void;
}

/** A file picker with drag and drop and an image/video preview. */
export function FileDrop({ id, file, accept, media, disabled, invalid, describedBy, onChange }: Props) {
  const [over, setOver] = useState(false);
  const url = useObjectUrl(file);
  const hintId = useId();
  const kind = file?.type.startsWith('video/') ? 'video' : file?.type.startsWith('image/') ? 'image' : 'other';

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (disabled) return;
    const f = e.dataTransfer.files[0];
    if (f) onChange(f);
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
    >
      <input
        id={id}
        className="drop-input"
        type="file"
        accept={accept ?? undefined}
        disabled={disabled}
        aria-invalid={invalid || undefined}
        aria-describedby={[describedBy, hintId].filter(Boolean).join(' ') || undefined}
        onChange={(e) => {
          const f = e.target.files?.[0] ?? null;
          onChange(f);
          e.target.value = '';
        }}
      />
      {file && url ? (
        <div className="drop-preview">
          {kind === 'image' ? <img src={url} alt={`Preview of ${file.name}`} /> : null}
          {kind === 'video' ? <video src={url} muted controls aria-label={`Preview of ${file.name}`} /> : null}
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
            <strong>Choose a {media === 'video' ? 'video' : media === 'image' ? 'image' : 'file'}</strong> or drop it
            here
          </span>
          <span id={hintId} className="muted small">
            {describeAccept(accept)}
          </span>
        </label>
      )}
    </div>
  );
}
