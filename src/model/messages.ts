// Renders a coded error in the caller's language (requestContext.langCode), falling
// back to English code by code where a translation is missing.
import { ERROR_CODES, type CodedError, type ErrorCode, type MessageParams } from './error-codes.js';
import { DE } from './translations/de.js';
import { ES } from './translations/es.js';
import { FR } from './translations/fr.js';

const CATALOGUES: Record<string, Partial<Record<ErrorCode, string>>> = { fr: FR, de: DE, es: ES };

export const SUPPORTED_LANGUAGES = ['en', ...Object.keys(CATALOGUES)];

export function renderMessage(error: CodedError, langCode = 'en'): string {
  const template = CATALOGUES[langCode.toLowerCase()]?.[error.code] ?? ERROR_CODES[error.code];
  return fill(template, error.params ?? {});
}

function fill(template: string, params: MessageParams): string {
  // A placeholder with nothing to say takes the space before it along ("order X {value}
  // is invalid" with no value reads "order X is invalid", not with a double space).
  return template.replace(/( ?)\{(\w+)\}/g, (_, space: string, name: string) => {
    const value = params[name];
    return value === undefined || value === '' ? '' : `${space}${String(value)}`;
  });
}

export interface WireError {
  errorCode: ErrorCode;
  errorMessage: string;
}

export function toWire(error: CodedError, langCode?: string): WireError {
  return { errorCode: error.code, errorMessage: renderMessage(error, langCode) };
}
