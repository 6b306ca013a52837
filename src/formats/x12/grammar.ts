// The element rules of the segments the gateway reads: type, length, mandatory, as of
// 004010, with what later versions (004060, 005010) changed in them. Other segments pass
// unchecked (a partner's TD5 or PID is none of our business), so a file is never refused
// for what the gateway ignores. A broken rule becomes an AK4 of the 997 with its X12
// table 723 code.

type ElementType = 'AN' | 'ID' | 'N0' | 'R' | 'DT' | 'TM';

interface ElementRule {
  type: ElementType;
  min: number;
  max: number;
  required?: boolean;
}

/** X12 table 723, the codes the grammar checks produce. */
export const ELEMENT_ERROR = {
  mandatoryMissing: '1',
  tooManyElements: '3',
  tooShort: '4',
  tooLong: '5',
  invalidCharacter: '6',
  invalidCode: '7',
  invalidDate: '8',
  invalidTime: '9',
} as const;

export interface ElementIssue {
  position: number;
  code: string;
  detail: string;
  value: string;
}

const an = (min: number, max: number, required = false): ElementRule => ({ type: 'AN', min, max, required });
const id = (min: number, max: number, required = false): ElementRule => ({ type: 'ID', min, max, required });
const n0 = (min: number, max: number, required = false): ElementRule => ({ type: 'N0', min, max, required });
const r = (min: number, max: number, required = false): ElementRule => ({ type: 'R', min, max, required });
const dt = (required = false): ElementRule => ({ type: 'DT', min: 8, max: 8, required });
const tm = (required = false): ElementRule => ({ type: 'TM', min: 4, max: 8, required });

/** Product/service id pairs (qualifier ID 2/2, value AN 1/48), as PO1 and LIN repeat them. */
function idPairs(count: number): ElementRule[] {
  const out: ElementRule[] = [];
  for (let i = 0; i < count; i++) out.push(id(2, 2), an(1, 48));
  return out;
}

const RULES: Record<string, ElementRule[]> = {
  GS: [id(2, 2, true), an(2, 15, true), an(2, 15, true), dt(true), tm(true), n0(1, 9, true), id(1, 2, true), an(1, 12, true)],
  GE: [n0(1, 6, true), n0(1, 9, true)],
  IEA: [n0(1, 5, true), n0(9, 9, true)],
  ST: [id(3, 3, true), an(4, 9, true)],
  SE: [n0(1, 10, true), an(4, 9, true)],
  BEG: [id(2, 2, true), id(2, 2, true), an(1, 22, true), an(1, 30), dt(true), an(1, 30), id(2, 2), id(3, 3), id(2, 2), id(2, 2), id(2, 2), tm()],
  CUR: [id(2, 3, true), id(3, 3, true), r(4, 10)],
  REF: [id(2, 3, true), an(1, 30), an(1, 80)],
  N1: [id(2, 3, true), an(1, 60), id(1, 2), an(2, 80), id(2, 2), id(2, 3)],
  DTM: [id(3, 3, true), dt(), tm(), id(2, 2), id(2, 3), an(1, 35)],
  PO1: [an(1, 20), r(1, 15), id(2, 2), r(1, 17), id(2, 2), ...idPairs(10)],
  CTT: [n0(1, 6, true), r(1, 10), r(1, 10), id(2, 2), r(1, 8), id(2, 2), an(1, 80)],
  BSN: [id(2, 2, true), an(2, 30, true), dt(true), tm(true), id(4, 4), id(2, 2), id(2, 2)],
  HL: [an(1, 12, true), an(1, 12), id(1, 2, true), id(1, 1)],
  PRF: [an(1, 22, true), an(1, 30), an(1, 30), dt(), an(1, 30), id(2, 2)],
  LIN: [an(1, 20), ...idPairs(15)],
  SN1: [an(1, 20), r(1, 10, true), id(2, 2, true), r(1, 15), r(1, 9), id(2, 2), id(2, 2), id(2, 2)],
  MAN: [id(1, 2, true), an(1, 48, true), an(1, 48), id(1, 2), an(1, 48), an(1, 48)],
};

/**
 * Versions after 004010 (004060, 005010): of the segments above, only ST gains an element
 * (ST03, the implementation convention reference) and REF02 grows to 50 characters. BEG,
 * CUR, N1, DTM, PO1, CTT, BSN, HL, PRF, LIN, SN1 and MAN are read the same.
 */
const LATER_RULES: Record<string, ElementRule[]> = {
  ...RULES,
  ST: [...RULES.ST!, an(1, 35)],
  REF: [id(2, 3, true), an(1, 50), an(1, 80)],
};

/** Rules of the version a group declares (GS08): 004010 and earlier, or a later one. */
export type X12Grammar = Readonly<Record<string, ElementRule[]>>;

export function grammarFor(version: string): X12Grammar {
  // GS08 starts with the version and release, VVVRRR ("004010", "005010X222A1").
  const release = /^\d{6}/.exec(version)?.[0];
  return release !== undefined && Number(release) > 4010 ? LATER_RULES : RULES;
}

const CONTROL = /[\x00-\x1f\x7f]/;
const CODE = /^[0-9A-Za-z]+$/;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)$/;
const DATE = /^\d{8}$/;
const TIME = /^\d{4}(\d{2}(\d{1,2})?)?$/;

/** True for a syntactically valid segment id: two or three capitals or digits, a capital first. */
export function isSegmentId(s: string): boolean {
  const n = s.length;
  if (n < 2 || n > 3 || !isUpper(s.charCodeAt(0))) return false;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if (!isUpper(c) && !(c >= 48 && c <= 57)) return false;
  }
  return true;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** Element problems of a segment the grammar knows, or undefined (the usual case, no allocation). */
export function checkElements(e: readonly string[], grammar: X12Grammar = RULES): ElementIssue[] | undefined {
  const rules = grammar[e[0]!];
  if (!rules) return undefined;
  let issues: ElementIssue[] | undefined;
  const add = (position: number, code: string, detail: string, value: string) => {
    (issues ??= []).push({ position, code, detail, value });
  };
  if (e.length - 1 > rules.length) {
    add(rules.length + 1, ELEMENT_ERROR.tooManyElements, `${e[0]} has ${e.length - 1} elements, at most ${rules.length}`, '');
  }
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const value = e[i + 1];
    if (value === undefined || value === '') {
      if (rule.required) add(i + 1, ELEMENT_ERROR.mandatoryMissing, 'is mandatory and missing', '');
      continue;
    }
    const problem = checkValue(rule, value);
    if (problem) add(i + 1, problem[0], problem[1], value);
  }
  return issues;
}

function checkValue(rule: ElementRule, value: string): [string, string] | undefined {
  let size = value.length;
  switch (rule.type) {
    case 'AN':
      if (CONTROL.test(value)) return [ELEMENT_ERROR.invalidCharacter, 'holds a control character'];
      break;
    case 'ID':
      if (!CODE.test(value)) return [ELEMENT_ERROR.invalidCode, 'is not a code (letters and digits)'];
      break;
    case 'N0':
      if (!INTEGER.test(value)) return [ELEMENT_ERROR.invalidCharacter, 'is not a whole number'];
      size = value.replace('-', '').length;
      break;
    case 'R':
      if (!DECIMAL.test(value)) return [ELEMENT_ERROR.invalidCharacter, 'is not a decimal number'];
      size = value.replace('-', '').replace('.', '').length;
      break;
    case 'DT':
      if (!DATE.test(value)) return [ELEMENT_ERROR.invalidDate, 'is not a date CCYYMMDD'];
      break;
    case 'TM':
      if (!TIME.test(value)) return [ELEMENT_ERROR.invalidTime, 'is not a time HHMM[SS[d..]]'];
      break;
  }
  if (size < rule.min) return [ELEMENT_ERROR.tooShort, `is shorter than ${rule.min} characters`];
  if (size > rule.max) return [ELEMENT_ERROR.tooLong, `is longer than ${rule.max} characters`];
  return undefined;
}
