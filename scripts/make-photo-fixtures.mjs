// Rebuilds tests/fixtures/photos from photographs in Debian's mate-backgrounds package (GPL-2+,
// see tests/fixtures/photos/README.md): a 9:16 portrait crop of each, resized to a TikTok cover
// size and saved as a baseline JPEG at quality 85, the way phone covers arrive.
// Usage: apt-get download mate-backgrounds && dpkg -x mate-backgrounds_*.deb DIR
//        node scripts/make-photo-fixtures.mjs DIR/usr/share/backgrounds/mate/nature
import sharp from 'sharp';
import { join } from 'node:path';

const src = process.argv[2];
const covers = [
  ['LadyBird.jpg', 1080, 1920, 'cover-1080x1920.jpg'],
  ['TwoWings.jpg', 720, 1280, 'cover-720x1280.jpg'],
];
for (const [file, w, h, out] of covers) {
  const meta = await sharp(join(src, file)).metadata();
  const cropW = Math.round((meta.height * 9) / 16);
  const left = Math.round((meta.width - cropW) / 2);
  await sharp(join(src, file))
    .extract({ left, top: 0, width: cropW, height: meta.height })
    .resize(w, h)
    .jpeg({ quality: 85, mozjpeg: false })
    .toFile(join('tests/fixtures/photos', out));
  console.log(out);
}
