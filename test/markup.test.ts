import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeXml, escapeXmlText } from '../src/markup.ts';

test('escapeXml escapes the five characters markup reads, each once, and leaves other text as it is', () => {
  assert.equal(
    escapeXml(`<a href="x">Tom & Jerry's</a>`),
    '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;',
  );
  assert.equal(escapeXml('&lt;'), '&amp;lt;');
  assert.equal(escapeXml('plain text, é ✓'), 'plain text, é ✓');
  assert.equal(escapeXml(42), '42');
  assert.equal(escapeXml(undefined), '');
});

test('escapeXmlText escapes what character data needs (&, <, >), each once, and leaves quotes and Latin-1 as they are', () => {
  assert.equal(
    escapeXmlText(`<a href="x">Tom & Jerry's</a>`),
    `&lt;a href="x"&gt;Tom &amp; Jerry's&lt;/a&gt;`,
  );
  assert.equal(escapeXmlText('&lt;'), '&amp;lt;');
  assert.equal(escapeXmlText('{"ConnID":"006b"} é'), '{"ConnID":"006b"} é');
});

test('escapeXmlText writes characters beyond Latin-1 as references, whole code points, a lone surrogate as U+FFFD', () => {
  assert.equal(
    escapeXmlText('006b…e001 ✗ <😀> \ud83d'),
    '006b&#8230;e001 &#10007; &lt;&#128512;&gt; &#65533;',
  );
});
