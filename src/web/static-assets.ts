// Files the pages load (scripts, styles), each served under a name that carries a hash of its content, so
// browsers may keep them for a year and a new version is simply a new name. Compressed once, on demand.
import { createHash } from 'node:crypto';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Request, Response } from 'restify';

const gzipAsync = promisify(gzip);

export class StaticAsset {
  readonly fileName: string;
  readonly etag: string;
  private compressed: Promise<Buffer> | null = null;

  constructor(
    /** e.g. "widget.js": served as "widget.<hash>.js". */
    name: string,
    readonly contentType: string,
    readonly body: Buffer,
    /** For a file at a fixed address (the embed snippet): its cache lifetime, and whether other sites may load it. */
    readonly options: { cacheControl?: string; crossOrigin?: boolean } = {},
  ) {
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    const dot = name.lastIndexOf('.');
    this.fileName = `${name.slice(0, dot)}.${hash}${name.slice(dot)}`;
    this.etag = `"${hash}"`;
  }

  async send(req: Request, res: Response): Promise<void> {
    res.header('Content-Type', this.contentType);
    res.header('Cache-Control', this.options.cacheControl ?? 'public, max-age=31536000, immutable');
    res.header('ETag', this.etag);
    res.header('X-Content-Type-Options', 'nosniff');
    res.header('Cross-Origin-Resource-Policy', this.options.crossOrigin ? 'cross-origin' : 'same-origin');
    res.header('Vary', 'Accept-Encoding');
    if (req.header('if-none-match') === this.etag) return void res.sendRaw(304, '');
    if (/\bgzip\b/.test(req.header('accept-encoding') ?? '')) {
      this.compressed ??= gzipAsync(this.body, { level: 9 });
      res.header('Content-Encoding', 'gzip');
      return void res.sendRaw(200, await this.compressed);
    }
    res.sendRaw(200, this.body);
  }
}

/** A set of assets served under one path prefix; unknown names are a 404. */
export class AssetBundle {
  private readonly byName = new Map<string, () => StaticAsset>();

  constructor(readonly prefix: string) {}

  /** Registers an asset built on first use (large files are read only when a page needs them). */
  add(key: string, build: () => StaticAsset): () => StaticAsset {
    let asset: StaticAsset | null = null;
    const get = () => (asset ??= build());
    this.byName.set(key, get);
    return get;
  }

  url(get: () => StaticAsset): string {
    return `${this.prefix}/${get().fileName}`;
  }

  async serve(req: Request, res: Response, fileName: string): Promise<void> {
    for (const get of this.byName.values()) {
      const asset = get();
      if (asset.fileName === fileName) return asset.send(req, res);
    }
    res.header('Cache-Control', 'no-store');
    res.send(404, { error: 'Not found' });
  }
}
