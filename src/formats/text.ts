// Text in the encoding a mapping names. UTF-8 (the default) goes through the strict
// decoder of utf8.ts. The others are what partners' spreadsheets save: Windows-1252 (a
// Dutch or German Excel's "CSV"), ISO-8859-1, and UTF-16 ("Unicode text"), decoded by the
// platform's WHATWG TextDecoder, which keeps a character split between two chunks whole.
//  - windows-1252 gives every byte a character, so nothing is refused at decoding; control
//    characters are refused by the reader like in any text.
//  - iso-8859-1 is decoded as Latin-1 proper (bytes 0x80-0x9F are C1 controls), not as the
//    WHATWG label that means Windows-1252.
//  - utf-16 needs its byte-order mark, which says the byte order: without it there is no
//    telling, and the file is refused (GW-DOC-6020) rather than read as nonsense.
import type { CsvEncoding } from '../mapping/mapping.js';
import { decodeUtf8, UndecodableText } from './utf8.js';

export async function* decodeText(input: AsyncIterable<Buffer>, fileName: string, encoding: CsvEncoding = 'utf-8'): AsyncIterable<string> {
  if (encoding === 'utf-8') {
    yield* decodeUtf8(input, fileName);
    return;
  }
  if (encoding === 'iso-8859-1') {
    for await (const chunk of input) yield chunk.toString('latin1');
    return;
  }
  let decoder: TextDecoder | undefined = encoding === 'windows-1252' ? new TextDecoder('windows-1252') : undefined;
  let head = Buffer.alloc(0);
  for await (const chunk of input) {
    let bytes = chunk;
    if (!decoder) {
      // utf-16: the first two bytes say the order.
      head = Buffer.concat([head, chunk]);
      if (head.length < 2) continue;
      decoder = utf16Decoder(head, fileName);
      bytes = head.subarray(2);
    }
    const text = decode(decoder, bytes, fileName, true);
    if (text) yield text;
  }
  if (!decoder) {
    if (head.length > 0) throw new UndecodableText({ code: 'GW-DOC-6020', params: { encoding: 'UTF-16', at: `${fileName}: one byte, no character` } });
    return;
  }
  const rest = decode(decoder, Buffer.alloc(0), fileName, false);
  if (rest) yield rest;
}

function utf16Decoder(head: Buffer, fileName: string): TextDecoder {
  if (head[0] === 0xff && head[1] === 0xfe) return new TextDecoder('utf-16le', { fatal: true });
  if (head[0] === 0xfe && head[1] === 0xff) return new TextDecoder('utf-16be', { fatal: true });
  throw new UndecodableText({ code: 'GW-DOC-6020', params: { encoding: 'UTF-16', at: `${fileName}, line 1: a UTF-16 file must start with its byte-order mark (FF FE or FE FF)` } });
}

function decode(decoder: TextDecoder, bytes: Buffer, fileName: string, stream: boolean): string {
  try {
    return decoder.decode(bytes, { stream });
  } catch {
    // Only utf-16 decoders are fatal: an unpaired surrogate, or an odd last byte.
    throw new UndecodableText({ code: 'GW-DOC-6020', params: { encoding: 'UTF-16', at: `${fileName}: not UTF-16 ${stream ? '(an unpaired surrogate)' : '(the file ends inside a character)'}` } });
  }
}

/**
 * The first bytes of a file as text, leniently (a character cut at the end, or a bad byte,
 * becomes U+FFFD): enough to tell its format and read its header; the readers decode
 * strictly. Without an encoding, a UTF-16 byte-order mark is believed, and UTF-8 assumed.
 */
export function decodeHead(head: Buffer, encoding?: CsvEncoding): string {
  const utf16 = head[0] === 0xff && head[1] === 0xfe ? 'utf-16le' : head[0] === 0xfe && head[1] === 0xff ? 'utf-16be' : undefined;
  if (encoding === 'utf-16' || (encoding === undefined && utf16)) return utf16 ? new TextDecoder(utf16).decode(head.subarray(2)) : '';
  if (encoding === 'windows-1252') return new TextDecoder('windows-1252').decode(head);
  if (encoding === 'iso-8859-1') return head.toString('latin1');
  return head.toString('utf8').replace(/^\uFEFF/, '');
}
