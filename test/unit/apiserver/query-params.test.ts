import { expect } from 'chai';
import { parseBoolean } from '../../../src/apiserver/query-params.js';
import { ApiError } from '../../../src/apiserver/status-errors.js';

describe('[REQ-01] API server query parameters parsed like kube-apiserver', () => {
  for (const value of ['1', 't', 'T', 'TRUE', 'true', 'True']) {
    it(`reads ${value} as true`, () => expect(parseBoolean(value, 'watch')).to.equal(true));
  }
  for (const value of ['0', 'f', 'F', 'FALSE', 'false', 'False', '', null]) {
    it(`reads ${JSON.stringify(value)} as false`, () => expect(parseBoolean(value, 'watch')).to.equal(false));
  }
  for (const value of ['yes', 'tRUE', 'on', '2']) {
    it(`refuses ${value} with a 400 naming the parameter`, () => {
      expect(() => parseBoolean(value, 'force')).to.throw(ApiError, `force: strconv.ParseBool: parsing "${value}": invalid syntax`).with.property('code', 400);
    });
  }
});
