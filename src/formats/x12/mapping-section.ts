// Placeholder until the X12 reader lands: the shape of a mapping's "x12" section.
export interface X12MappingSection {
  [key: string]: unknown;
}
