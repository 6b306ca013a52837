// A small location language for the fields whose place varies between cXML partners,
// written in a mapping (relative to an element, e.g. OrderRequestHeader):
//
//   @orderID                          an attribute of the element itself
//   BillTo/Address@addressID          an attribute of a descendant, step by step
//   Extrinsic[@name='CustomerID']     a child chosen by an attribute value; its text
//   ShipTo/Address/Name               a descendant's text
//
// Deliberately not XPath: no axes, functions or wildcards, so a mapping stays readable
// and every location is checked when the mapping is loaded (xml.schema.json).
import type { XmlElement } from './element.js';

const NAME = '[A-Za-z_][A-Za-z0-9_.:-]*';
const STEP = `${NAME}(?:\\[@${NAME}='[^']*'\\])?`;
/** The whole language as one pattern (the same one is in mappings/xml.schema.json). */
export const LOCATION_PATTERN = new RegExp(`^(?:@${NAME}|${STEP}(?:/${STEP})*(?:@${NAME})?)$`);
const STEP_PARTS = new RegExp(`^(${NAME})(?:\\[@(${NAME})='([^']*)'\\])?$`);

interface Step {
  name: string;
  where?: { attribute: string; value: string };
}

export interface Location {
  steps: Step[];
  /** Read this attribute of the last element; without it, the element's text. */
  attribute?: string;
}

export function parseLocation(text: string): Location | undefined {
  if (!LOCATION_PATTERN.test(text)) return undefined;
  const at = text.lastIndexOf('@');
  // An `@` inside a [@...] predicate is not the final attribute.
  const hasAttribute = at >= 0 && !text.slice(at).includes(']');
  const path = hasAttribute ? text.slice(0, at) : text;
  const attribute = hasAttribute ? text.slice(at + 1) : undefined;
  const steps: Step[] = [];
  for (const part of path ? path.split('/') : []) {
    const m = STEP_PARTS.exec(part);
    if (!m) return undefined;
    steps.push(m[2] !== undefined ? { name: m[1]!, where: { attribute: m[2], value: m[3]! } } : { name: m[1]! });
  }
  return attribute !== undefined ? { steps, attribute } : { steps };
}

/** The first non-blank value the location finds under `from`, in document order, and where it was. */
export function evaluateLocation(location: Location, from: XmlElement): { value: string; element: XmlElement } | undefined {
  return find(location, from, 0);
}

function find(location: Location, el: XmlElement, depth: number): { value: string; element: XmlElement } | undefined {
  if (depth === location.steps.length) {
    const raw = location.attribute !== undefined ? el.attributes.get(location.attribute) : el.text;
    const value = raw?.trim();
    return value ? { value, element: el } : undefined;
  }
  const step = location.steps[depth]!;
  for (const child of el.children) {
    if (child.name !== step.name) continue;
    if (step.where && child.attributes.get(step.where.attribute) !== step.where.value) continue;
    const hit = find(location, child, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}
