// Renders resources/icon.svg to the PNG electron-builder turns into every platform's icon
// (it derives .icns and .ico from a 512×512 PNG). Run after changing the SVG; the PNG is committed.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';

const svg = readFileSync(new URL('../resources/icon.svg', import.meta.url), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const page = await browser.newPage({ viewport: { width: 512, height: 512 } });
await page.setContent(
  `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', '<svg width="512" height="512" ')}</body></html>`,
);
await page.screenshot({
  path: new URL('../resources/icon.png', import.meta.url).pathname,
  omitBackground: true,
});
await browser.close();
console.log('wrote resources/icon.png');
