// EMBED_ALLOWED_ORIGINS: origins only, https (http for localhost), normalised; development adds localhost.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('EMBED_ALLOWED_ORIGINS', () => {
  it('takes https origins, normalised, and adds any localhost port in development only', () => {
    const origins = 'https://www.example.com, https://Help.Example.com:8443/';
    expect(loadConfig({ NODE_ENV: 'test', EMBED_ALLOWED_ORIGINS: origins }).embedOrigins).toEqual([
      'https://www.example.com',
      'https://help.example.com:8443',
    ]);
    expect(loadConfig({ NODE_ENV: 'development', EMBED_ALLOWED_ORIGINS: origins }).embedOrigins).toEqual([
      'https://www.example.com',
      'https://help.example.com:8443',
      'http://localhost:*',
      'http://127.0.0.1:*',
    ]);
    expect(loadConfig({ NODE_ENV: 'test' }).embedOrigins).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'test', EMBED_ALLOWED_ORIGINS: 'http://localhost:8080' }).embedOrigins).toEqual(['http://localhost:8080']);
  });

  it.each(['http://www.example.com', 'https://example.com/help', 'https://*.example.com', 'example.com', "https://a.com 'unsafe-inline'"])(
    'refuses %s, naming the variable',
    (value) => {
      expect(() => loadConfig({ NODE_ENV: 'test', EMBED_ALLOWED_ORIGINS: value })).toThrow(ConfigError);
      try {
        loadConfig({ NODE_ENV: 'test', EMBED_ALLOWED_ORIGINS: value });
      } catch (error) {
        expect((error as Error).message).toMatch(/EMBED_ALLOWED_ORIGINS/);
      }
    },
  );
});
