/**
 * The API report of one entry point: API Extractor reads the declarations as they are published
 * (`dist/<entry>.d.ts`, following its imports into the shared chunks, whose hashed names never
 * reach the report) and writes every declaration a consumer can reach from that entry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import {
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type ExtractorMessage,
  type IConfigFile,
} from '@microsoft/api-extractor';
import type { Program } from 'typescript';

/** An entry point of the package and where its report goes. */
export interface ApiEntry {
  /** The specifier users import, e.g. `eventrail/postgres`, which prefixes its messages. */
  readonly specifier: string;
  /** Absolute path of the entry's published declarations (`dist/postgres.d.ts`). */
  readonly types: string;
  /** Absolute path of the committed report (`etc/postgres.api.md`). */
  readonly report: string;
}

/** A problem API Extractor found, as one message. */
export interface ApiFinding {
  readonly level: 'error' | 'warning';
  readonly text: string;
  /**
   * The symbol that a forgotten export or an unresolved `{@link}` names. API Extractor sees one
   * entry at a time, so a symbol exported by another entry (`Sink` used by `eventrail/postgres`,
   * exported by `eventrail`) is not a problem: the caller drops the finding then (matched by
   * name, as the message gives no more).
   */
  readonly symbol?: string;
}

/** What one run of API Extractor found. */
export interface ApiResult {
  /** The API differs from the committed report, or there is none (a finding says which). */
  readonly changed: boolean;
  /** The names the entry exports. */
  readonly exports: readonly string[];
  readonly findings: readonly ApiFinding[];
}

/** The pattern of each message that names a symbol another entry may export. */
const symbolPatterns: Readonly<Record<string, RegExp>> = {
  'ae-forgotten-export': /The symbol "([^"]+)"/,
  'ae-unresolved-link': /does not have an export "([^"]+)"/,
};

/** Node's types, for declarations that use them, wherever the analysed package is. */
const typeRoots = [resolve(import.meta.dirname, '../../node_modules/@types')];

/** Where API Extractor writes the reports it compares; this process's own, removed at exit. */
const temp = mkdtempSync(join(tmpdir(), 'eventrail-api-report-'));
process.on('exit', () => rmSync(temp, { recursive: true, force: true }));

/**
 * Extracts the API of `entry` and compares it with its committed report; `update` rewrites the
 * report instead. `root` is the package's folder (its package.json and tsdoc.json).
 */
export function extractApi(root: string, entry: ApiEntry, update: boolean): ApiResult {
  const config = ExtractorConfig.prepare({
    configObject: configFor(root, entry),
    configObjectFullPath: undefined,
    packageJsonFullPath: join(root, 'package.json'),
  });
  const findings: ApiFinding[] = [];
  const result = Extractor.invoke(config, {
    localBuild: update,
    printApiReportDiff: !update,
    messageCallback: (message: ExtractorMessage) => {
      message.handled = true;
      const finding = findingOf(root, message);
      if (finding) findings.push(finding);
    },
  });
  const exports = exportedNames(result.compilerState.program as Program, entry.types);
  return { changed: result.apiReportChanged, exports, findings };
}

/** The names the module in `file` exports. */
function exportedNames(program: Program, file: string): string[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const module = source && checker.getSymbolAtLocation(source);
  return module ? checker.getExportsOfModule(module).map((symbol) => symbol.name) : [];
}

function findingOf(root: string, message: ExtractorMessage): ApiFinding | undefined {
  switch (message.messageId) {
    case 'console-api-report-not-copied':
      return {
        level: 'error',
        text: 'the API differs from its report, or there is none: npm run api:update rewrites it',
      };
    case 'console-api-report-diff':
      return { level: 'error', text: message.text };
  }
  const level =
    message.logLevel === ExtractorLogLevel.Error
      ? 'error'
      : message.logLevel === ExtractorLogLevel.Warning && message.category !== 'console'
        ? 'warning'
        : undefined;
  if (level === undefined) return undefined;
  const symbol = symbolPatterns[message.messageId]?.exec(message.text)?.[1];
  const text = message.formatMessageWithLocation(`${root}/`);
  return symbol === undefined ? { level, text } : { level, text, symbol };
}

function configFor(root: string, entry: ApiEntry): IConfigFile {
  return {
    projectFolder: root,
    mainEntryPointFilePath: entry.types,
    compiler: {
      overrideTsconfig: {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2024', 'ESNext.Disposable'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          // A name that does not resolve still stops the analysis (a declaration that refers to
          // one left out by stripInternal), without type-checking the dependencies' declarations.
          skipLibCheck: true,
          types: ['node'],
          typeRoots,
        },
        files: [entry.types],
      },
    },
    apiReport: {
      enabled: true,
      reportFileName: basename(entry.report),
      reportFolder: dirname(entry.report),
      reportTempFolder: temp,
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    newlineKind: 'lf',
    messages: {
      compilerMessageReporting: { default: { logLevel: level('error') } },
      extractorMessageReporting: {
        default: { logLevel: level('warning') },
        // Everything the entries export is public: the project has no release tags.
        'ae-missing-release-tag': { logLevel: level('none') },
        'ae-undocumented': { logLevel: level('none') },
        'ae-forgotten-export': { logLevel: level('error') },
      },
      tsdocMessageReporting: { default: { logLevel: level('warning') } },
    },
  };
}

/** A log level as the configuration file spells it. */
const level = (name: 'error' | 'warning' | 'none') => name as ExtractorLogLevel;
