/**
 * What an offer is called wherever it is shown (docs/files.md "The offer"): its name for one
 * file or a folder, and for several paths sent at once (FileOffer.several) the items
 * themselves, `a.pdf, b.txt and c.png`, read from the entries' first segments, which are
 * what the receiver saves (a new-user trial saw them listed as a folder, `a.pdf and 2 more/`).
 * Pure; every name is sanitised here, whoever sent it.
 */
import { formatSize } from '../../util/sizes.js';
import { safeDisplayName } from './safe-name.js';

/** Items named in a label before "and N more": a list people read at a glance. */
export const SEVERAL_NAMES_SHOWN = 3;
/** Characters (graphemes) of one item's name in a label: three long names still fit a line. */
export const SEVERAL_NAME_CHARS = 32;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * What an offer is shown as: its own name (sanitised already where it came from a peer:
 * offers.ts), or for several paths the label of its items (entries: `/` paths).
 */
export function offerName(o: {
  name: string;
  entries: readonly { path: string }[];
  several?: boolean;
}): string {
  if (o.several !== true || o.entries.length === 0) return o.name;
  return severalLabel(severalItems(o.entries));
}

/** The items of several paths sent at once, in stream order: a file's name, a folder's with `/`. */
export function severalItems(entries: readonly { path: string }[]): string[] {
  const items = new Map<string, boolean>();
  for (const e of entries) {
    const cut = e.path.indexOf('/');
    const first = cut < 0 ? e.path : e.path.slice(0, cut);
    items.set(first, (items.get(first) ?? false) || cut >= 0);
  }
  return [...items].map(
    ([name, folder]) => `${shortName(safeDisplayName(name))}${folder ? '/' : ''}`,
  );
}

/** `a.pdf`, `a.pdf and b.txt`, `a.pdf, b.txt and c.png`, `a.pdf, b.txt, c.png and 4 more`. */
export function severalLabel(items: readonly string[]): string {
  if (items.length <= SEVERAL_NAMES_SHOWN) {
    if (items.length <= 1) return items[0] ?? '';
    return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  }
  const shown = items.slice(0, SEVERAL_NAMES_SHOWN).join(', ');
  return `${shown} and ${items.length - SEVERAL_NAMES_SHOWN} more`;
}

/** At most SEVERAL_NAME_CHARS graphemes, ending in '…' when cut. */
function shortName(name: string): string {
  const chars = [...graphemes.segment(name)].map((s) => s.segment);
  if (chars.length <= SEVERAL_NAME_CHARS) return name;
  return `${chars.slice(0, SEVERAL_NAME_CHARS - 1).join('')}…`;
}

/**
 * What a file, a folder or several paths sent at once are called in every list and line,
 * the command line's and the chat's alike (a trial read `proj/ (6 files)` in `natter files`
 * and `proj` in `natter transfers` for one folder): `report.pdf`, `proj/ (6 files)`,
 * `a.pdf, b.txt and c.png (3 files)`; with `size`, the size joins the brackets,
 * `report.pdf (2.1 MiB)`, `proj/ (6 files, 1.2 MiB)`. `name` is OfferInfo's or
 * TransferInfo's (for several paths, their label already); `files` 0 or absent: one file.
 * The name is shown as given: a caller that prints it sanitises the label.
 */
export function fileLabel(
  f: { name: string; size: number; files?: number; several?: boolean },
  options: { size?: boolean } = {},
): string {
  const files = f.files ?? 0;
  const size = options.size === true ? formatSize(f.size) : null;
  if (files === 0) return size === null ? f.name : `${f.name} (${size})`;
  const count = `${files} file${files === 1 ? '' : 's'}`;
  const name = f.several === true ? f.name : `${f.name}/`;
  return `${name} (${size === null ? count : `${count}, ${size}`})`;
}
