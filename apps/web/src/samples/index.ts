import peopleUrl from './people.jpg';
import textUrl from './text.png';

/** A sample input offered next to an image field ("Try a sample"). */
export interface Sample {
  name: string;
  label: string;
  url: string;
  type: string;
}

/** The samples, best first for a tool: text for OCR-like tools, the photo for everything else. */
export const SAMPLES: readonly Sample[] = [
  { name: 'people.jpg', label: 'Group photo (people)', url: peopleUrl, type: 'image/jpeg' },
  { name: 'text.png', label: 'Two lines of text', url: textUrl, type: 'image/png' },
];

/** Fetches a sample as a File, as if the user had picked it. */
export async function sampleFile(sample: Sample): Promise<File> {
  const res = await fetch(sample.url);
  if (!res.ok) throw new Error(`sample ${sample.name}: HTTP ${res.status}`);
  return new File([await res.blob()], sample.name, { type: sample.type });
}
