// Pieces every screen uses: a link that stays in the page, an error shown with its code,
// paging by the API's keyset cursors, and reads that keep only the latest answer.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, type Page } from './api.js';
import { useUi } from './ui.js';

export function Link({ to, children }: { to: string; children: ComponentChildren }) {
  const { go } = useUi();
  return (
    <a
      href={to}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey) return;
        e.preventDefault();
        go(to);
      }}
    >
      {children}
    </a>
  );
}

/** A failed call as the API said it: code, message, and the request id for a report. */
export function ErrorBox({ error }: { error: unknown }) {
  const { t } = useUi();
  if (error === null || error === undefined) return null;
  const e = error instanceof ApiFailure ? error.error : { code: 'GW-CONSOLE', message: String(error) };
  return (
    <div class="error" role="alert">
      <strong>{t('common.error')}</strong> <code>{e.code}</code>: {e.message}
      {'requestId' in e && e.requestId ? <small> (request {e.requestId})</small> : null}
    </div>
  );
}

/** One page of a list at a time: `load(cursor)` fetches it; the cursors seen go back to the first page. */
export function usePaged<T>(load: (cursor: string | null) => Promise<Page<T>>, deps: unknown[]) {
  const [cursor, setCursor] = useState<string | null>(null);
  const [page, setPage] = useState<Page<T> | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setCursor(null), deps);
  useEffect(() => {
    let current = true;
    setPage(null);
    setError(null);
    load(cursor)
      .then((p) => current && setPage(p))
      .catch((e: unknown) => current && setError(e));
    return () => {
      current = false;
    };
  }, [cursor, ...deps]);
  return { page, error, cursor, next: () => page?.nextCursor && setCursor(page.nextCursor), first: () => setCursor(null) };
}

export function Pager({ paged }: { paged: { page: Page<unknown> | null; cursor: string | null; next(): void; first(): void } }) {
  const { t } = useUi();
  return (
    <div class="pager">
      {paged.cursor !== null ? (
        <button type="button" onClick={paged.first}>
          {t('common.first')}
        </button>
      ) : null}
      {paged.page?.nextCursor ? (
        <button type="button" onClick={paged.next}>
          {t('common.next')}
        </button>
      ) : null}
    </div>
  );
}

export function Loading() {
  const { t } = useUi();
  return <p class="loading">{t('common.loading')}</p>;
}

/** A column of a list: its heading and what a row shows in it. */
export interface Column<T> {
  label: string;
  cell(item: T): ComponentChildren;
  /** A class for the column's cells (amount: right-aligned figures). */
  className?: string;
}

/** Rows under their column headings. */
export function DataTable<T>({ items, columns, testId }: { items: readonly T[]; columns: Column<T>[]; testId?: string }) {
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th scope="col">{c.label}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr>
            {columns.map((c) => (
              <td class={c.className}>{c.cell(item)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A list answered whole: its loading, "nothing", or its rows. */
export function ListTable<T>({ items, columns, testId }: { items: readonly T[] | null; columns: Column<T>[]; testId?: string }) {
  const { t } = useUi();
  if (items === null) return <Loading />;
  if (items.length === 0) return <p>{t('common.none')}</p>;
  return <DataTable items={items} columns={columns} {...(testId ? { testId } : {})} />;
}

/** A list answered a page at a time: its error, its loading, "nothing", the rows, and the pager. */
export function PagedTable<T>({ paged, columns, testId }: { paged: ReturnType<typeof usePaged<T>>; columns: Column<T>[]; testId?: string }) {
  return (
    <>
      <ErrorBox error={paged.error} />
      {paged.error ? null : <ListTable items={paged.page?.items ?? null} columns={columns} {...(testId ? { testId } : {})} />}
      <Pager paged={paged} />
    </>
  );
}

/** A choice among the API's values for a filter, "all" first. */
/** A row of filters that searches when submitted (its button, or Enter in a field). */
export function SearchForm({ onSearch, children }: { onSearch(): void; children: ComponentChildren }) {
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onSearch();
      }}
    >
      {children}
    </form>
  );
}

export function Choice({ label, name, value, options, onChange }: { label: string; name: string; value: string; options: readonly string[]; onChange(v: string): void }) {
  const { t } = useUi();
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">{t('common.all')}</option>
        {options.map((o) => (
          <option value={o}>{o}</option>
        ))}
      </select>
    </label>
  );
}

/** A labelled text box of a form, its value kept by the screen. */
export function TextInput({ label, name, value, onChange }: { label: string; name: string; value: string; onChange(v: string): void }) {
  return (
    <label>
      {label}
      <input name={name} value={value} onInput={(e) => onChange((e.currentTarget as HTMLInputElement).value)} />
    </label>
  );
}

/** A write made from a screen (add, remove, assign, redeem, ...): what it came to, in words, or its error. */
export interface Action {
  notice: string | null;
  error: unknown;
  /** Runs `act`, whose answer is the message to show; an error is shown instead. */
  run(act: () => Promise<string>): Promise<void>;
}

/**
 * Asks (`ask`) whenever `deps` change, and hands on only the answer to the latest question:
 * an earlier question's answer that arrives late (a slow server, busy cores) is dropped,
 * so a screen never shows what was asked for before what it now asks for (the first
 * period's report after the chosen one's, the last device after the next).
 */
export function useLatestAnswer<T>(ask: () => Promise<T>, deps: readonly unknown[], answered: (value: T) => void, failed: (error: unknown) => void): void {
  useEffect(() => {
    let latest = true;
    ask().then(
      (value) => latest && answered(value),
      (error: unknown) => latest && failed(error),
    );
    return () => {
      latest = false;
    };
    // The caller names what the question depends on.
  }, deps);
}

export function useAction(): Action {
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  return {
    notice,
    error,
    async run(act) {
      setNotice(null);
      setError(null);
      try {
        setNotice(await act());
      } catch (err) {
        setError(err);
      }
    },
  };
}

/** What the last action came to: its message as a status, or its error. */
export function ActionOutcome({ action }: { action: Action }) {
  return (
    <>
      {action.notice ? (
        <p class="notice" role="status">
          {action.notice}
        </p>
      ) : null}
      <ErrorBox error={action.error} />
    </>
  );
}

/** A coded error of a document as the API answers it: code, message, and where in the file. */
export interface DocumentError {
  code: string;
  message: string;
  params?: { at?: string };
}

/** A document's coded errors, each with its code, message and place in the file. */
export function Errors({ errors }: { errors: DocumentError[] }) {
  const { t } = useUi();
  if (errors.length === 0) return null;
  return (
    <table class="errors" data-testid="document-errors">
      <caption>{t('documents.errors')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('document.code')}</th>
          <th scope="col">{t('document.message')}</th>
          <th scope="col">{t('document.where')}</th>
        </tr>
      </thead>
      <tbody>
        {errors.map((e) => (
          <tr>
            <td>
              <code>{e.code}</code>
            </td>
            <td>{e.message}</td>
            <td>{e.params?.at}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A name the upload route takes (letters, digits, dot, dash, underscore; 200 at most). */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(-200) || 'upload';
}
