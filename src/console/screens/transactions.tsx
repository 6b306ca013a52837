// A reseller's reseller-API transactions (bulk-enroll-devices), newest first, with their
// status as check-transaction-status answers it. Each is also a document (its raw request
// is kept), listed under Documents with its per-device outcomes.
import { useState } from 'preact/hooks';
import { call, query, type Page } from '../api.js';
import { useUi } from '../ui.js';
import { formatDateTime } from '../i18n.js';
import { Choice, PagedTable, usePaged } from '../parts.js';

interface Transaction {
  transactionId: string;
  enrollmentId: string;
  supplierId: string;
  statusCode: string;
  receivedAt: string;
  orderCount: number;
  errorCount: number;
}

export function TransactionsScreen() {
  const { t, language } = useUi();
  const [statusCode, setStatusCode] = useState('');
  const paged = usePaged<Transaction>((cursor) => call<Page<Transaction>>(`/transactions${query({ statusCode, cursor, limit: 50 })}`), [statusCode]);
  return (
    <section>
      <h1>{t('transactions.title')}</h1>
      <div class="filters">
        <Choice label={t('common.status')} name="statusCode" value={statusCode} options={['COMPLETE', 'COMPLETE_WITH_ERRORS', 'ERROR']} onChange={setStatusCode} />
      </div>
      <PagedTable
        paged={paged}
        testId="transactions"
        columns={[
          { label: t('transactions.id'), cell: (x) => x.transactionId },
          { label: t('transactions.enrollmentId'), cell: (x) => <code>{x.enrollmentId}</code> },
          { label: t('common.status'), cell: (x) => x.statusCode },
          { label: t('documents.received'), cell: (x) => formatDateTime(x.receivedAt, language) },
          { label: t('nav.orders'), cell: (x) => x.orderCount },
          { label: t('documents.errors'), cell: (x) => x.errorCount },
        ]}
      />
    </section>
  );
}
