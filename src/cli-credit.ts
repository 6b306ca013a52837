// Command-line commands for volume credit: codes, redemption, spending, accounts, and
// the finance reconciliation report.
import type { Command } from './cli-support.js';

export const CREDIT_COMMANDS: Record<string, Command> = {};
