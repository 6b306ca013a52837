import { useState } from 'preact/hooks';
import { call, query, type Page } from '../api.js';
import { useUi } from '../ui.js';
import { formatDateTime } from '../i18n.js';
import { PagedTable, SearchForm, TextInput, usePaged } from '../parts.js';

interface AuditEntry {
  at: string;
  actor: string;
  origin: string;
  action: string;
  requestId: string | null;
  detail: unknown;
}

export function AuditScreen() {
  const { t, language } = useUi();
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [filters, setFilters] = useState({ action: '', actor: '' });
  const paged = usePaged<AuditEntry>((cursor) => call<Page<AuditEntry>>(`/audit${query({ action: filters.action.trim(), actor: filters.actor.trim(), cursor, limit: 50 })}`), [filters]);
  return (
    <section>
      <h1>{t('audit.title')}</h1>
      <SearchForm onSearch={() => setFilters({ action, actor })}>
        <TextInput label={t('audit.action')} name="action" value={action} onChange={setAction} />
        <TextInput label={t('audit.actor')} name="actor" value={actor} onChange={setActor} />
        <button type="submit">{t('common.search')}</button>
      </SearchForm>
      <PagedTable
        paged={paged}
        columns={[
          { label: t('audit.at'), cell: (e) => formatDateTime(e.at, language) },
          { label: t('audit.action'), cell: (e) => <code>{e.action}</code> },
          { label: t('audit.actor'), cell: (e) => e.actor },
          { label: t('audit.origin'), cell: (e) => e.origin },
          { label: t('audit.detail'), cell: (e) => <code class="detail">{JSON.stringify(e.detail)}</code> },
        ]}
      />
    </section>
  );
}
