// An organisation admin's volume credit: balances per location and currency, the
// redemption codes (shown while unredeemed and in their download window; every listing is
// audited), their download as CSV, and redeeming a code into a location's account.
import { useEffect, useState } from 'preact/hooks';
import { call, query } from '../api.js';
import { useUi } from '../ui.js';
import { formatAmountIn, formatDateTime } from '../i18n.js';
import { Choice, ErrorBox, Loading } from '../parts.js';

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
  const [redeemError, setRedeemError] = useState<unknown>(null);
  const [redeemed, setRedeemed] = useState<string | null>(null);
  useEffect(() => {
    call<{ accounts: Account[] }>('/credit/accounts').then((r) => setAccounts(r.accounts), setError);
  }, [reloads]);
  useEffect(() => {
    setCodes(null);
    call<{ count: number; codes: Code[] }>(`/credit/codes${query({ state, limit: 200 })}`).then(setCodes, setError);
  }, [state, reloads]);
  const submit = async (e: Event) => {
    e.preventDefault();
    setRedeemError(null);
    setRedeemed(null);
    try {
      const body = { code: redeem.code.trim(), location: redeem.location.trim(), currency: redeem.currency.trim().toUpperCase() };
      // One key per attempt: pressing the button again after an answer is lost redeems once.
      await call('/credit/redemptions', { method: 'POST', json: body, headers: { 'Idempotency-Key': crypto.randomUUID() } });
      setRedeemed(t('credit.redeemed', { location: body.location }));
      setRedeem({ code: '', location: body.location, currency: body.currency });
      setReloads((n) => n + 1);
    } catch (err) {
      setRedeemError(err);
    }
  };
  if (error) return <ErrorBox error={error} />;
  return (
    <section>
      <h1>{t('credit.title')}</h1>
      <h2>{t('credit.balances')}</h2>
      {accounts === null ? <Loading /> : null}
      {accounts && accounts.length === 0 ? <p>{t('common.none')}</p> : null}
      {accounts && accounts.length > 0 ? (
        <table data-testid="balances">
          <thead>
            <tr>
              <th scope="col">{t('credit.location')}</th>
              <th scope="col">{t('finance.currency')}</th>
              <th scope="col">{t('finance.balance')}</th>
              <th scope="col">{t('devices.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr>
                <td>{a.location}</td>
                <td>{a.currency}</td>
                <td class="amount">{formatAmountIn(a.balance, a.currency, language)}</td>
                <td>{formatDateTime(a.updatedAt, language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
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
      {redeemed ? (
        <p class="notice" role="status">
          {redeemed}
        </p>
      ) : null}
      <ErrorBox error={redeemError} />
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
      {codes === null ? <Loading /> : null}
      {codes && codes.codes.length === 0 ? <p>{t('common.none')}</p> : null}
      {codes && codes.codes.length > 0 ? (
        <table data-testid="codes">
          <thead>
            <tr>
              <th scope="col">{t('credit.code')}</th>
              <th scope="col">{t('orders.number')}</th>
              <th scope="col">{t('credit.amount')}</th>
              <th scope="col">{t('common.status')}</th>
              <th scope="col">{t('credit.until')}</th>
            </tr>
          </thead>
          <tbody>
            {codes.codes.map((c) => (
              <tr>
                <td>{c.code ? <code class="secret">{c.code}</code> : <span>…{c.hint}</span>}</td>
                <td>
                  {c.supplierId}/{c.orderNumber}
                </td>
                <td class="amount">{formatAmountIn(c.amount, c.currency, language)}</td>
                <td>{c.state}</td>
                <td>{formatDateTime(c.downloadUntil, language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
