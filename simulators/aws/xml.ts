import type { AwsError } from './errors.js';

/** Repeated sibling elements named after their parent key (S3's `<Buckets><Bucket/><Bucket/></Buckets>`). */
export class Flattened {
  constructor(readonly items: readonly XmlValue[]) {}
}

export type XmlValue = string | number | boolean | undefined | Flattened | readonly XmlValue[] | XmlObject;
export interface XmlObject {
  readonly [key: string]: XmlValue;
}

export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function renderChildren(value: XmlValue): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return escapeXml(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Flattened) throw new Error('Flattened lists must be the value of a named key');
  // Query-protocol lists wrap every item in <member>.
  if (Array.isArray(value)) return (value as readonly XmlValue[]).map((item) => element('member', item)).join('');
  return Object.entries(value as XmlObject)
    .map(([key, child]) =>
      child instanceof Flattened ? child.items.map((item) => element(key, item)).join('') : element(key, child),
    )
    .join('');
}

export function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  return `<${name}>${renderChildren(value)}</${name}>`;
}

/** `<{Action}Response><{Action}Result>…</{Action}Result><ResponseMetadata>…` — actions without output omit the Result. */
export function queryResponse(
  namespace: string,
  action: string,
  result: XmlObject | undefined,
  requestId: string,
): string {
  const resultXml = result === undefined ? '' : element(`${action}Result`, result);
  return (
    `<${action}Response xmlns="${namespace}">${resultXml}` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${action}Response>\n`
  );
}

export function queryErrorResponse(namespace: string, error: AwsError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${namespace}"><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>\n`
  );
}

export function s3Document(rootName: string, value: XmlObject): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${rootName} xmlns="${S3_NAMESPACE}">${renderChildren(value)}</${rootName}>`;
}

/** S3 errors are an un-namespaced `<Error>` document. */
export function s3ErrorDocument(error: AwsError, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message><RequestId>${escapeXml(requestId)}</RequestId></Error>`
  );
}
