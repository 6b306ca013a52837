// Structured logs: one JSON object per line, so that log shippers need no parsing rules.
import { redactSecrets } from '../model/secrets.js';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Logger {
  return {
    log(level, msg, fields = {}) {
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...redactSecrets(fields) }));
    },
  };
}

export const silentLogger: Logger = { log() {} };
