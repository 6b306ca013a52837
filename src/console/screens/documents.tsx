// Documents a reseller (or Apple) sent: status, devices, errors with their codes and
// places, the acknowledgement to download; and a file to upload, with its outcome.
import { useState } from 'preact/hooks';
import { call, query, type Page } from '../api.js';
import { useUi } from '../ui.js';
import { formatDateTime } from '../i18n.js';
import { ActionOutcome, Choice, ErrorBox, Errors, Link, Loading, PagedTable, safeFileName, useAction, useLatestAnswer, usePaged, type DocumentError } from '../parts.js';
import { MappingTestView, testFile, type MappingTestResult } from './mappings.js';

interface Summary {
  purchaseOrders: number;
  shipNotices: number;
  devices: number;
  devicesEnrolled: number;
  devicesRefused: number;
  devicesAwaiting: number;
}

interface DocumentSummary {
  documentId: string;
  supplierId: string;
  channel: string;
  fileName: string;
  format: string;
  status: string;
  receivedAt: string;
  summary: Summary;
  errorCount: number;
}


interface DocumentDetail extends DocumentSummary {
  errors: DocumentError[];
  sizeBytes: number;
  mappingId: string | null;
}

interface Outcome {
  documentId: string;
  status: string;
  errors: DocumentError[];
  summary: Summary;
}

interface DeviceOutcome {
  item: number;
  serial: string;
  at: string | null;
  status: string;
  code: string | null;
  message: string;
}

/** Each device the document named and what became of it; refused ones first asked for when there are any. */
function DeviceOutcomes({ documentId, refused }: { documentId: string; refused: boolean }) {
  const { t } = useUi();
  const [status, setStatus] = useState(refused ? 'REFUSED' : '');
  const paged = usePaged<DeviceOutcome>(
    (cursor) => call<Page<DeviceOutcome>>(`/documents/${encodeURIComponent(documentId)}/devices${query({ status, cursor, limit: 100 })}`),
    [documentId, status],
  );
  return (
    <section aria-labelledby="outcomes-title">
      <h2 id="outcomes-title">{t('document.devices')}</h2>
      <div class="filters">
        <Choice label={t('common.status')} name="status" value={status} options={['ENROLLED', 'PENDING', 'REFUSED', 'AWAITING_ORDER', 'REJECTED']} onChange={setStatus} />
      </div>
      <PagedTable
        paged={paged}
        testId="device-outcomes"
        columns={[
          { label: 'Serial', cell: (d) => d.serial },
          { label: t('common.status'), cell: (d) => d.status },
          { label: t('document.code'), cell: (d) => (d.code ? <code>{d.code}</code> : null) },
          { label: t('document.message'), cell: (d) => d.message },
          { label: t('document.where'), cell: (d) => d.at },
        ]}
      />
    </section>
  );
}

function Devices({ s }: { s: Summary }) {
  return (
    <span>
      {s.devicesEnrolled} / {s.devicesRefused} / {s.devicesAwaiting}
    </span>
  );
}


export function DocumentsScreen() {
  const { t, language } = useUi();
  const [status, setStatus] = useState('');
  const paged = usePaged<DocumentSummary>((cursor) => call<Page<DocumentSummary>>(`/documents${query({ status, cursor, limit: 50 })}`), [status]);
  return (
    <section>
      <h1>{t('documents.title')}</h1>
      <div class="filters">
        <Choice label={t('common.status')} name="status" value={status} options={['applied', 'applied_with_errors', 'rejected', 'duplicate', 'processing']} onChange={setStatus} />
      </div>
      <PagedTable
        paged={paged}
        columns={[
          { label: t('documents.file'), cell: (d) => <Link to={`/console/documents/${encodeURIComponent(d.documentId)}`}>{d.fileName}</Link> },
          { label: t('common.status'), cell: (d) => <span class={`status status-${d.status}`}>{d.status}</span> },
          { label: t('documents.format'), cell: (d) => d.format },
          { label: t('devices.supplier'), cell: (d) => d.supplierId },
          { label: t('documents.received'), cell: (d) => formatDateTime(d.receivedAt, language) },
          { label: t('documents.devices'), cell: (d) => <Devices s={d.summary} /> },
          { label: t('documents.errors'), cell: (d) => d.errorCount },
        ]}
      />
    </section>
  );
}

export function DocumentScreen({ documentId }: { documentId: string }) {
  const { t, language, session } = useUi();
  const [doc, setDoc] = useState<DocumentDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reloads, setReloads] = useState(0);
  const replaying = useAction();
  useLatestAnswer(() => call<DocumentDetail>(`/documents/${encodeURIComponent(documentId)}`), [documentId, reloads], setDoc, setError);
  const replay = () =>
    replaying.run(async () => {
      const answer = await call<Outcome>(`/documents/${encodeURIComponent(documentId)}/replay`, { method: 'POST', answerStatuses: [422] });
      setReloads((n) => n + 1);
      return t('document.replayed', { status: answer.status });
    });
  if (error) return <ErrorBox error={error} />;
  if (!doc) return <Loading />;
  return (
    <section>
      <h1>{doc.fileName}</h1>
      <dl class="facts">
        <dt>{t('common.status')}</dt>
        <dd>
          <span class={`status status-${doc.status}`} data-testid="document-status">
            {doc.status}
          </span>
        </dd>
        <dt>{t('documents.format')}</dt>
        <dd>
          {doc.format} {doc.mappingId ? `(${doc.mappingId})` : ''}
        </dd>
        <dt>{t('devices.supplier')}</dt>
        <dd data-testid="document-supplier">{doc.supplierId}</dd>
        <dt>{t('documents.received')}</dt>
        <dd>{formatDateTime(doc.receivedAt, language)}</dd>
        <dt>{t('documents.devices')}</dt>
        <dd>
          <Devices s={doc.summary} />
        </dd>
      </dl>
      <p>
        <a href={`/v1/documents/${encodeURIComponent(doc.documentId)}/ack`} download data-testid="ack-link">
          {t('document.ack')}
        </a>
      </p>
      {session.role === 'reseller' && doc.status === 'rejected' ? (
        <div class="replay">
          <button type="button" onClick={replay}>
            {t('document.replay')}
          </button>
          <p class="help">{t('document.replay.help')}</p>
        </div>
      ) : null}
      <ActionOutcome action={replaying} />
      <Errors errors={doc.errors} />
      {doc.summary.devices > 0 ? <DeviceOutcomes documentId={doc.documentId} refused={doc.summary.devicesRefused > 0} /> : null}
    </section>
  );
}


export function UploadScreen() {
  const { t } = useUi();
  const [file, setFile] = useState<File | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [tested, setTested] = useState<MappingTestResult | null>(null);
  /** Sends the chosen file one way or the other; what is shown of an earlier answer goes. */
  const sending = (send: (chosen: File) => Promise<void>) => async () => {
    if (!file) return;
    setBusy(true);
    setOutcome(null);
    setTested(null);
    setError(null);
    try {
      await send(file);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const upload = sending(async (chosen) => {
    const answer = await call<Outcome>('/documents', {
      method: 'POST',
      body: await chosen.arrayBuffer(),
      headers: { 'Content-Type': 'application/octet-stream', 'X-File-Name': safeFileName(chosen.name) },
      // A refused file, or one sent before, is still received: its outcome, errors and all, is the answer.
      answerStatuses: [409, 422],
    });
    setOutcome(answer);
  });
  const tryIt = sending(async (chosen) => setTested(await testFile(chosen)));
  const submit = (e: Event) => {
    e.preventDefault();
    void upload();
  };
  return (
    <section>
      <h1>{t('upload.title')}</h1>
      <form onSubmit={submit}>
        <label for="upload-file">{t('upload.file')}</label>
        <input id="upload-file" type="file" required onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null)} />
        <button type="submit" disabled={busy || !file}>
          {t('upload.submit')}
        </button>{' '}
        <button type="button" disabled={busy || !file} onClick={tryIt}>
          {t('upload.try')}
        </button>
      </form>
      <ErrorBox error={error} />
      {tested ? <MappingTestView result={tested} /> : null}
      {outcome ? (
        <div class="outcome" role="status">
          <h2>{t('upload.outcome')}</h2>
          <p>
            <span class={`status status-${outcome.status}`} data-testid="upload-status">
              {outcome.status}
            </span>{' '}
            <Devices s={outcome.summary} />
          </p>
          <Errors errors={outcome.errors} />
          {outcome.summary.devicesRefused > 0 ? <DeviceOutcomes documentId={outcome.documentId} refused /> : null}
          <Link to={`/console/documents/${encodeURIComponent(outcome.documentId)}`}>{t('upload.open')}</Link>
        </div>
      ) : null}
    </section>
  );
}
