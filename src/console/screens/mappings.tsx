// Partner mappings: a file tried through a mapping with nothing applied (a reseller from
// the upload screen, an operator for any partner), and for an operator the set in use,
// its version and a reload from the mapping folders.
import { useEffect, useState } from 'preact/hooks';
import { call, query } from '../api.js';
import { useUi } from '../ui.js';
import { formatDateTime } from '../i18n.js';
import { ActionOutcome, DataTable, ErrorBox, Errors, ListTable, TextInput, safeFileName, useAction, type DocumentError } from '../parts.js';

interface MappingView {
  id: string;
  description?: string;
  format: string;
  partners: string[];
  sha256: string | null;
}

interface MappingSet {
  version: string;
  loadedAt: string;
  items: MappingView[];
}

interface Reload {
  version: string;
  previousVersion: string;
  added: string[];
  changed: string[];
  removed: string[];
}

interface TestedDocument {
  type: 'purchaseOrder' | 'shipNotice';
  at: string;
  doc: {
    orderNumber: string;
    orderType?: string;
    orderDate?: string;
    customerId?: string;
    poNumber?: string;
    lines?: { partNumber: string; quantity: number }[];
    deliveryNumber?: string;
    shipDate?: string;
    devices?: { serial: string }[];
  };
  devicesLeftOff?: number;
}

export interface MappingTestResult {
  readable: boolean;
  fileName: string;
  mapping: { id: string; format: string; sha256: string | null } | null;
  counts: { purchaseOrders: number; shipNotices: number; orderLines: number; devices: number };
  documents: TestedDocument[];
  documentsLeftOff: number;
  errors: DocumentError[];
  notChecked: string;
}

/** Sends `file` to be read through a mapping; `partner` only for an operator. */
export function testFile(file: File, partner?: string): Promise<MappingTestResult> {
  return file.arrayBuffer().then((body) =>
    call<MappingTestResult>(`/mappings/test${query({ name: safeFileName(file.name), partner })}`, { method: 'POST', body, headers: { 'Content-Type': 'application/octet-stream' } }),
  );
}

/** What reading a file through a mapping found: the mapping, the counts, the first documents, every error. */
export function MappingTestView({ result }: { result: MappingTestResult }) {
  const { t } = useUi();
  const c = result.counts;
  return (
    <div class="outcome" role="status" data-testid="mapping-test">
      <h2>{t('test.title', { file: result.fileName })}</h2>
      <p>
        <span class={`status status-${result.readable ? 'applied' : 'rejected'}`} data-testid="mapping-test-verdict">
          {t(result.readable ? 'test.readable' : 'test.unreadable')}
        </span>
      </p>
      <p>{result.mapping ? t('test.mapping', { id: result.mapping.id, format: result.mapping.format }) : t('test.noMapping')}</p>
      <p>{t('test.counts', { purchaseOrders: c.purchaseOrders, orderLines: c.orderLines, shipNotices: c.shipNotices, devices: c.devices })}</p>
      {result.documents.length > 0 ? (
        <DataTable
          testId="mapping-test-documents"
          items={result.documents}
          columns={[
            { label: t('test.col.kind'), cell: (d) => t(d.type === 'purchaseOrder' ? 'test.kind.order' : 'test.kind.delivery') },
            { label: t('test.col.order'), cell: (d) => d.doc.orderNumber },
            { label: t('test.col.delivery'), cell: (d) => d.doc.deliveryNumber ?? '' },
            { label: t('test.col.date'), cell: (d) => (d.doc.shipDate ?? d.doc.orderDate ?? '').slice(0, 10) },
            {
              label: t('test.col.detail'),
              cell: (d) =>
                d.type === 'purchaseOrder'
                  ? `${d.doc.orderType ?? ''} ${d.doc.customerId ?? ''} ${d.doc.poNumber ?? ''} · ${(d.doc.lines ?? []).map((l) => `${l.quantity} × ${l.partNumber}`).join(', ')}`
                  : `${(d.doc.devices ?? []).map((x) => x.serial).join(' ')}${d.devicesLeftOff ? ` … +${d.devicesLeftOff}` : ''}`,
            },
            { label: t('document.where'), cell: (d) => d.at },
          ]}
        />
      ) : null}
      {result.documentsLeftOff > 0 ? <p>{t('test.more', { n: result.documentsLeftOff })}</p> : null}
      <Errors errors={result.errors} />
      <p class="hint">{t('test.nothingApplied')}</p>
    </div>
  );
}

export function MappingsScreen() {
  const { t, language } = useUi();
  const [set, setSet] = useState<MappingSet | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reloads, setReloads] = useState(0);
  const reload = useAction();
  const [partner, setPartner] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [tested, setTested] = useState<MappingTestResult | null>(null);
  const [testError, setTestError] = useState<unknown>(null);
  useEffect(() => {
    call<MappingSet>('/mappings').then(setSet, setError);
  }, [reloads]);
  const reloadNow = () =>
    reload.run(async () => {
      const r = await call<Reload>('/mappings/reload', { method: 'POST' });
      setReloads((n) => n + 1);
      const changes = [...r.added.map((id) => `+${id}`), ...r.changed.map((id) => `~${id}`), ...r.removed.map((id) => `-${id}`)];
      return t('mappings.reloaded', { version: r.version, changes: changes.length > 0 ? changes.join(' ') : t('mappings.unchanged') });
    });
  const tryFile = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setTested(null);
    setTestError(null);
    try {
      setTested(await testFile(file, partner.trim()));
    } catch (err) {
      setTestError(err);
    }
  };
  return (
    <section>
      <h1>{t('mappings.title')}</h1>
      <ErrorBox error={error} />
      {set ? (
        <p data-testid="mappings-version">
          {t('mappings.version', { version: set.version, loadedAt: formatDateTime(set.loadedAt, language) })}{' '}
          <button type="button" onClick={reloadNow}>
            {t('mappings.reload')}
          </button>
        </p>
      ) : null}
      <ActionOutcome action={reload} />
      <ListTable
        testId="mappings"
        items={set?.items ?? null}
        columns={[
          { label: t('mappings.id'), cell: (m) => <span title={m.description}>{m.id}</span> },
          { label: t('mappings.format'), cell: (m) => m.format },
          { label: t('mappings.partners'), cell: (m) => m.partners.join(', ') },
          { label: t('mappings.sha256'), cell: (m) => <code title={m.sha256 ?? ''}>{(m.sha256 ?? '').slice(0, 12)}</code> },
        ]}
      />
      <h2>{t('mappings.try')}</h2>
      <p class="hint">{t('mappings.tryHelp')}</p>
      <form class="filters" onSubmit={tryFile}>
        <TextInput label={t('mappings.partner')} name="partner" value={partner} onChange={setPartner} />
        <label>
          {t('upload.file')}
          <input type="file" required onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null)} />
        </label>
        <button type="submit" disabled={!file || partner.trim() === ''}>
          {t('upload.try')}
        </button>
      </form>
      <ErrorBox error={testError} />
      {tested ? <MappingTestView result={tested} /> : null}
    </section>
  );
}
