// What every screen is given by the frame: words, language, session, and a way to move.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './api.js';
import type { Language, Translate } from './i18n.js';

export interface Ui {
  t: Translate;
  language: Language;
  session: Session;
  /** Goes to a console path (/console/devices?...), keeping history. */
  go(path: string): void;
}

export const UiContext = createContext<Ui | null>(null);

export function useUi(): Ui {
  const ui = useContext(UiContext);
  if (!ui) throw new Error('invariant: a screen outside the console frame');
  return ui;
}
