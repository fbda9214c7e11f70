import { describe, expect, it } from 'vitest';
import { readRubyConfig } from './ruby-config';
import type { RubyLiteral } from './ruby-config';

/** The literal without positions, for comparing values. */
function plain(literal: RubyLiteral | undefined): unknown {
  if (!literal) return undefined;
  switch (literal.kind) {
    case 'array':
      return literal.items.map(plain);
    case 'hash':
      return literal.entries.map((entry) => [plain(entry.key), plain(entry.value)]);
    case 'nil':
      return null;
    default:
      return literal.value;
  }
}

const values = (text: string): Record<string, unknown> =>
  Object.fromEntries(readRubyConfig(text).assignments.map((a) => [a.name, plain(a.value)]));

describe('readRubyConfig', () => {
  it('reads literal global assignments', () => {
    expect(
      values(
        [
          '$num_instances=3',
          '$ratio = 1.5',
          '$negative = -2',
          '$hex = 0x1F',
          '$octal = 0644',
          '$big = 1_000',
          "$single = 'it\\'s \\n raw'",
          '$double = "tab\\there"',
          '$yes = true',
          '$no = false',
          '$none = nil',
          '$symbol = :virtualbox',
          "$list = [1, 'two', :three, [4]]",
          '$ports = {80 => 8080, 443=>8443}',
          '$folders = {\'/home/a\' => \'/a\', "/b" => "/b"}',
          '$modern = { memory: 1024, "cpus": 2 }',
          '$empty_hash = {}',
          '$empty_list = []',
        ].join('\n'),
      ),
    ).toEqual({
      num_instances: 3,
      ratio: 1.5,
      negative: -2,
      hex: 31,
      octal: 0o644,
      big: 1000,
      single: "it's \\n raw",
      double: 'tab\there',
      yes: true,
      no: false,
      none: null,
      symbol: 'virtualbox',
      list: [1, 'two', 'three', [4]],
      ports: [
        [80, 8080],
        [443, 8443],
      ],
      folders: [
        ['/home/a', '/a'],
        ['/b', '/b'],
      ],
      modern: [
        ['memory', 1024],
        ['cpus', 2],
      ],
      empty_hash: [],
      empty_list: [],
    });
  });

  it('fills #{$var} from earlier literals; other interpolation is code', () => {
    const reading = values(
      [
        '$num_instances = 3',
        '$url = "https://discovery.etcd.io/new?size=#{$num_instances}"',
        '$home = "#{ENV[\'HOME\']}/share"',
      ].join('\n'),
    );
    expect(reading.url).toBe('https://discovery.etcd.io/new?size=3');
    expect(reading.home).toBeUndefined();
  });

  it('reads hashes and arrays over several lines, with comments between', () => {
    expect(
      values(
        ['$forwarded_ports = {', '  80 => 8080, # web', '', '  443 => 8443,', '}', '$after = 1'].join('\n'),
      ),
    ).toEqual({
      forwarded_ports: [
        [80, 8080],
        [443, 8443],
      ],
      after: 1,
    });
  });

  it('gives positions of names and values', () => {
    const text = '# comment\n$num_instances = "three"\n';
    const [assignment] = readRubyConfig(text).assignments;
    expect(text.slice(assignment!.nameStart, assignment!.nameEnd)).toBe('$num_instances');
    expect(text.slice(assignment!.valueStart, assignment!.valueEnd)).toBe('"three"');
    expect(text.slice(assignment!.value!.start, assignment!.value!.end)).toBe('"three"');
  });

  it('hands back code it does not run: values, statements and blocks', () => {
    const text = [
      '$num_instances = ENV["NUM"].to_i', // 1: a value that is code
      'require "fileutils"', //            2: a statement
      'if File.exist?("user-data")', //    3: a block …
      '  data = [1, 2].map do |x|',
      '    if x > 1 then x end',
      '  end',
      'end', //                            7: … to here
      '$vm_memory = 1024 if true', //      8: a modifier makes it code
      '$after = 2',
    ].join('\n');
    const reading = readRubyConfig(text);
    expect(reading.assignments.map((a) => [a.name, plain(a.value)])).toEqual([
      ['num_instances', undefined],
      ['vm_memory', undefined],
      ['after', 2],
    ]);
    expect(reading.skipped.map((s) => [s.kind, s.text.split('\n').length, s.text.split('\n')[0]])).toEqual([
      ['statement', 1, 'require "fileutils"'],
      ['block', 5, 'if File.exist?("user-data")'],
    ]);
  });

  it('skips =begin/=end comments and stops at __END__', () => {
    expect(
      values(['=begin', '$hidden = 1', '=end', '$shown = 2', '__END__', '$after_end = 3'].join('\n')),
    ).toEqual({
      shown: 2,
    });
  });

  it('takes absurdly deep nesting for code rather than running out of stack', () => {
    const reading = readRubyConfig(`$x = ${'['.repeat(50_000)}${']'.repeat(50_000)}\n$y = [[1]]\n`);
    expect(reading.assignments.map((a) => [a.name, plain(a.value)])).toEqual([
      ['x', undefined],
      ['y', [[1]]],
    ]);
  });

  it('reports an unterminated string and never throws on cut-off text', () => {
    expect(readRubyConfig("$x = 'open\n$y = 1\n").errors).toEqual([
      { message: "unterminated string: the ' here is never closed", start: 5, end: 6 },
    ]);
    const text = '$a = { 1 => [2, \'x\', {b: :c}] }\nif x do\n  y("#{z}")\nend\n$b = -1.5e3\n';
    for (let cut = 0; cut <= text.length; cut++) {
      expect(() => readRubyConfig(text.slice(0, cut))).not.toThrow();
      expect(() => readRubyConfig(text.slice(cut))).not.toThrow();
    }
  });
});
