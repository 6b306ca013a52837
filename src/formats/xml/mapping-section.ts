// Placeholder until the XML readers land: the shape of a mapping's "xml" section.
export interface XmlMappingSection {
  [key: string]: unknown;
}
