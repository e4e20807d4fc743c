import { expect } from 'chai';
import { YAMLException } from 'js-yaml';
import { POSITIONED_CHILDREN, loadYamlWithPositions } from '../../../src/config/yaml-positions.js';

const TEXT = [
  '# leading comment', // 1
  'a: 1', // 2
  'b:', // 3
  '  c: [x, y]', // 4
  '  d:', // 5
  '    - p', // 6
  '    - q: 1', // 7
  '      r: 2', // 8
  '    - {s: 3, t: 4}', // 9
  "'quoted key': true", // 10
  '',
].join('\n');

describe('[REQ-01] configuration YAML positions', () => {
  it('returns the same document js-yaml loads', () => {
    const { document } = loadYamlWithPositions(TEXT, 'x.yaml');
    expect(document).to.deep.equal({ a: 1, b: { c: ['x', 'y'], d: ['p', { q: 1, r: 2 }, { s: 3, t: 4 }] }, 'quoted key': true });
  });

  it('maps every key and item path to the 1-based line and column where it starts', () => {
    const { positions } = loadYamlWithPositions(TEXT, 'x.yaml');
    const table = Object.fromEntries([...positions].map(([path, p]) => [path, `${p.line}:${p.column}`]));
    expect(table).to.deep.equal({
      a: '2:1',
      b: '3:1',
      'b.c': '4:3',
      'b.c[0]': '4:7',
      'b.c[1]': '4:10',
      'b.d': '5:3',
      'b.d[0]': '6:7',
      'b.d[1]': '7:7',
      'b.d[1].q': '7:7',
      'b.d[1].r': '8:7',
      'b.d[2]': '9:7',
      'b.d[2].s': '9:8',
      'b.d[2].t': '9:14',
      'quoted key': '10:1',
    });
  });

  it('records no positions for a document that is a single scalar', () => {
    const { document, positions } = loadYamlWithPositions('just text\n', 'x.yaml');
    expect(document).to.equal('just text');
    expect(positions.size).to.equal(0);
  });

  it('throws js-yaml errors with their mark for invalid YAML', () => {
    expect(() => loadYamlWithPositions('a: [1, 2\n', 'x.yaml'))
      .to.throw(YAMLException)
      .that.has.nested.property('mark.line');
  });

  it('records positions for the first POSITIONED_CHILDREN items of a list only', () => {
    const { document, positions } = loadYamlWithPositions(`a:\n${'- x\n'.repeat(POSITIONED_CHILDREN + 5)}b: 1\n`, 'x.yaml');
    expect((document as { a: string[] }).a).to.have.length(POSITIONED_CHILDREN + 5);
    expect(positions.get(`a[${POSITIONED_CHILDREN - 1}]`)).to.deep.equal({ line: POSITIONED_CHILDREN + 1, column: 3 });
    expect(positions.has(`a[${POSITIONED_CHILDREN}]`)).to.equal(false);
    expect(positions.get('b')).to.deep.equal({ line: POSITIONED_CHILDREN + 7, column: 1 });
  });
});
