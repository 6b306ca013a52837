// An organisation admin's volume credit: balances per location and currency, the
// redemption codes (shown while unredeemed and in their download window; every listing is
// audited), their download as CSV, and redeeming a code into a location's account.
import { useEffect, useState } from 'preact/hooks';
import { call, query } from '../api.js';
import { useUi } from '../ui.js';
import { formatAmountIn, formatDateTime } from '../i18n.js';
import { ActionOutcome, Choice, ErrorBox, ListTable, useAction, useLatestAnswer } from '../parts.js';

interface Account {
  accountId: string;
  location: string;
  currency: string;
  balance: string;
  updatedAt: string;
}

interface Code {
  codeId: string;
  code: string | null;
  hint: string;
  supplierId: string;
  orderNumber: string;
  amount: string;
  currency: string;
  state: string;
  downloadUntil: string;
}

const CODE_STATES = ['issued', 'redeemed', 'refunded', 'voided'];

export function CreditScreen() {
  const { t, language } = useUi();
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [codes, setCodes] = useState<{ count: number; codes: Code[] } | null>(null);
  const [state, setState] = useState('issued');
  const [error, setError] = useState<unknown>(null);
  const [reloads, setReloads] = useState(0);
  const [redeem, setRedeem] = useState({ code: '', location: '', currency: '' });
  const redemption = useAction();
  useEffect(() => {
    call<{ accounts: Account[] }>('/credit/accounts').then((r) => setAccounts(r.accounts), setError);
  }, [reloads]);
  useLatestAnswer(
    () => {
      setCodes(null);
      return call<{ count: number; codes: Code[] }>(`/credit/codes${query({ state, limit: 200 })}`);
    },
    [state, reloads],
    setCodes,
    setError,
  );
  const submit = (e: Event) => {
    e.preventDefault();
    const body = { code: redeem.code.trim(), location: redeem.location.trim(), currency: redeem.currency.trim().toUpperCase() };
    void redemption.run(async () => {
      // The route wants a key per request. A second press is a new request, and the ledger
      // refuses a code it has redeemed already: nothing is counted twice.
      await call('/credit/redemptions', { method: 'POST', json: body, headers: { 'Idempotency-Key': crypto.randomUUID() } });
      setRedeem({ code: '', location: body.location, currency: body.currency });
      setReloads((n) => n + 1);
      return t('credit.redeemed', { location: body.location });
    });
  };
  if (error) return <ErrorBox error={error} />;
  return (
    <section>
      <h1>{t('credit.title')}</h1>
      <h2>{t('credit.balances')}</h2>
      <ListTable
        items={accounts}
        testId="balances"
        columns={[
          { label: t('credit.location'), cell: (a) => a.location },
          { label: t('finance.currency'), cell: (a) => a.currency },
          { label: t('finance.balance'), cell: (a) => formatAmountIn(a.balance, a.currency, language), className: 'amount' },
          { label: t('devices.updated'), cell: (a) => formatDateTime(a.updatedAt, language) },
        ]}
      />
      <h2>{t('credit.redeem')}</h2>
      <form class="filters" onSubmit={submit}>
        <div class="field">
          <label for="redeem-code">{t('credit.code')}</label>
          <input id="redeem-code" required autocomplete="off" spellcheck={false} value={redeem.code} onInput={(e) => setRedeem({ ...redeem, code: (e.currentTarget as HTMLInputElement).value })} />
        </div>
        <div class="field">
          <label for="redeem-location">{t('credit.location')}</label>
          <input id="redeem-location" required value={redeem.location} onInput={(e) => setRedeem({ ...redeem, location: (e.currentTarget as HTMLInputElement).value })} />
        </div>
        <div class="field">
          <label for="redeem-currency">{t('finance.currency')}</label>
          <input id="redeem-currency" required pattern="[A-Za-z]{3}" size={4} value={redeem.currency} onInput={(e) => setRedeem({ ...redeem, currency: (e.currentTarget as HTMLInputElement).value })} />
        </div>
        <button type="submit">{t('credit.redeem')}</button>
      </form>
      <ActionOutcome action={redemption} />
      <h2>{t('credit.codes')}</h2>
      <div class="filters">
        <Choice label={t('common.status')} name="state" value={state} options={CODE_STATES} onChange={setState} />
      </div>
      <p class="downloads">
        <a href={`/v1/credit/codes${query({ state, format: 'csv', limit: 1000 })}`} download data-testid="download-codes">
          {t('credit.download')}
        </a>
      </p>
      <p class="help">{t('credit.audited')}</p>
      <ListTable
        items={codes?.codes ?? null}
        testId="codes"
        columns={[
          { label: t('credit.code'), cell: (c) => (c.code ? <code class="secret">{c.code}</code> : <span>…{c.hint}</span>) },
          { label: t('orders.number'), cell: (c) => `${c.supplierId}/${c.orderNumber}` },
          { label: t('credit.amount'), cell: (c) => formatAmountIn(c.amount, c.currency, language), className: 'amount' },
          { label: t('common.status'), cell: (c) => c.state },
          { label: t('credit.until'), cell: (c) => formatDateTime(c.downloadUntil, language) },
        ]}
      />
    </section>
  );
}
