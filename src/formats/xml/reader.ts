// The loop both XML formats share: split the stream into document elements, let the
// format map each into canonical documents, validate them, count errors. An XML file is
// applied whole or not at all, so no error carries a unit, and once one error is out no
// further document is yielded; reading goes on to report more errors, up to
// ctx.limits.maxErrors (then GW-DOC-6008).
import { describeSchemaError, validatePurchaseOrder, validateShipNotice } from '../../model/documents.js';
import type { PurchaseOrder, ShipNotice } from '../../model/documents.js';
import type { DocumentError, ReadContext, ReadItem } from '../types.js';
import { parseElement, type XmlElement } from './element.js';
import { Problems } from './fields.js';
import type { XmlMappingSection } from './mapping-section.js';
import type { DoctypePolicy } from './safety.js';
import { splitXml, type ContainerElement, type EnvelopeRole } from './stream.js';

export type MappedDocument =
  | { type: 'purchaseOrder'; at: string; doc: PurchaseOrder }
  | { type: 'shipNotice'; at: string; doc: ShipNotice };

/** What a format says about itself; the reading is the same for all. */
export interface XmlFormat {
  /** The mapping format it serves, for messages: "xml", "cxml". */
  format: string;
  doctype: DoctypePolicy;
  classify(ancestors: readonly string[], name: string): EnvelopeRole;
  /** Checks an envelope element's attributes (the root's namespace, say). */
  container(el: ContainerElement, fileName: string): DocumentError[];
  /** Maps one document element; problems go to `problems`, and then its result is not used. */
  map(el: XmlElement, problems: Problems, section: XmlMappingSection, ctx: ReadContext): MappedDocument[];
}

export async function* readXml(input: AsyncIterable<Buffer>, ctx: ReadContext, format: XmlFormat): AsyncIterable<ReadItem> {
  const section = ctx.mapping.xml;
  if (!section || ctx.mapping.format !== format.format) {
    yield error({ code: 'GW-DOC-6005', params: { detail: `mapping ${ctx.mapping.id} is not a ${format.format} mapping with an xml section` } });
    return;
  }
  let errors = 0;
  let elements = 0;
  // Yields the error, or GW-DOC-6008 once there are too many; false means stop reading.
  function* fail(e: DocumentError): Generator<ReadItem, boolean> {
    errors++;
    if (errors > ctx.limits.maxErrors) {
      yield error({ code: 'GW-DOC-6008', params: { max: ctx.limits.maxErrors } });
      return false;
    }
    yield error(e);
    return true;
  }

  const events = splitXml(input, {
    fileName: ctx.fileName,
    doctype: format.doctype,
    allowCxmlDoctype: section.allowCxmlDoctype === true,
    classify: format.classify,
  });
  for await (const event of events) {
    if (event.kind === 'error') {
      if (!(yield* fail(event.error)) || event.fatal) return;
      continue;
    }
    if (event.kind === 'container') {
      for (const e of format.container(event.element, ctx.fileName)) if (!(yield* fail(e))) return;
      continue;
    }
    elements++;
    const problems = new Problems(ctx.fileName, ctx.mapping);
    const mapped = format.map(parseElement(event.element), problems, section, ctx);
    for (const e of problems.list) if (!(yield* fail(e))) return;
    if (problems.found) continue;
    for (const item of mapped) {
      const invalid = schemaProblem(item);
      if (invalid && !(yield* fail(invalid))) return;
      if (!invalid && errors === 0) yield item;
    }
  }
  if (elements === 0 && errors === 0) yield error({ code: 'GW-DOC-6007' });
}

function schemaProblem(item: MappedDocument): DocumentError | undefined {
  // The validators are type guards: read the names before they narrow a failure to never.
  if (item.type === 'purchaseOrder') {
    const field = `order ${item.doc.orderNumber}`;
    if (validatePurchaseOrder(item.doc)) return undefined;
    return { code: 'GW-MAP-6205', params: { field, value: '', at: item.at, detail: describeSchemaError(validatePurchaseOrder) } };
  }
  const field = `delivery ${item.doc.deliveryNumber}`;
  if (validateShipNotice(item.doc)) return undefined;
  return { code: 'GW-MAP-6205', params: { field, value: '', at: item.at, detail: describeSchemaError(validateShipNotice) } };
}

function error(e: DocumentError): ReadItem {
  return { type: 'error', error: e };
}
