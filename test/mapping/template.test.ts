import { expect } from 'chai';
import { compileTemplate, formatIsoDate, renderTemplate, TemplateError } from '../../src/mapping/template.js';
import { parseDate } from '../../src/mapping/values.js';

describe('derived-field templates', function () {
  const dates = (v: string) => parseDate(v, ['DD.MM.YYYY', 'YYYY-MM-DD']);
  const render = (source: string, values: Record<string, string>) => renderTemplate(compileTemplate(source), (n) => values[n], dates);

  it('renders fields and columns, a date in the format asked, braces doubled as literals', function () {
    expect(render('{orderNumber}-{shipDate|YYYYMMDD}', { orderNumber: 'VD-1', shipDate: '02.11.2026' })).to.deep.equal({ value: 'VD-1-20261102' });
    expect(render('{orderNumber}-{shipDate|YYYYMMDD}', { orderNumber: 'VD-1', shipDate: '2026-11-02' }), 'either date format gives the same').to.deep.equal({ value: 'VD-1-20261102' });
    expect(render('{{{Pakbon}}}', { Pakbon: 'PB 7' })).to.deep.equal({ value: '{PB 7}' });
    expect(compileTemplate('{a}{b}{a}').names).to.deep.equal(['a', 'b']);
  });
  it('an empty value leaves the field unmade; a bad date says which placeholder', function () {
    expect(render('{orderNumber}-{shipDate|YYYYMMDD}', { orderNumber: 'VD-1', shipDate: '' })).to.deep.equal({});
    expect(render('{orderNumber}-{shipDate|YYYYMMDD}', { orderNumber: 'VD-1', shipDate: '31.11.2026' })).to.deep.equal({ badDate: { name: 'shipDate', value: '31.11.2026' } });
  });
  it('refuses what is not a template, saying where', function () {
    expect(() => compileTemplate('{a')).to.throw(TemplateError, /character 1 is never closed/);
    expect(() => compileTemplate('a}')).to.throw(TemplateError, /character 2 closes nothing/);
    expect(() => compileTemplate('{ }')).to.throw(TemplateError, /names nothing/);
    expect(() => compileTemplate('{d|MMDD}')).to.throw(TemplateError, /has no year/);
    expect(() => compileTemplate('{{x}}')).to.throw(TemplateError, /no placeholder/);
  });
  it('formats every token', function () {
    expect(formatIsoDate('2026-11-02T08:05:09Z', 'YY/YYYY-MM-DD hh:mm:ss')).to.equal('26/2026-11-02 08:05:09');
  });
});
