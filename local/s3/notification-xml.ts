/**
 * The XML of S3's `?notification` subresource ⇄ the NotificationConfiguration shape. The wire names differ from
 * the SDK's: a function rule is `<CloudFunctionConfiguration>` with `<CloudFunction>` (the ARN), events are
 * repeated `<Event>`, filters `<Filter><S3Key><FilterRule>` (S3 API Reference, PutBucketNotificationConfiguration,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html).
 * A deliberately small reader: elements and text only (no attributes, CDATA or mixed content), which is all this
 * document has.
 */
import type { FilterRule, NotificationConfiguration, NotificationFilter } from '../../src/onboarding/notification-rules.js';

interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

/** Thrown for a document that is not well-formed or not a NotificationConfiguration (S3 answers MalformedXML). */
export class MalformedNotificationXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedNotificationXmlError';
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const decode = (text: string) =>
  text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e] ?? whole;
  });
const encode = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function parseXml(xml: string): XmlElement {
  const body = xml.replace(/^\uFEFF/, '').replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const root: XmlElement = { name: '#root', children: [], text: '' };
  const stack: XmlElement[] = [root];
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^>]*?)?)(\/?)>|([^<]+)/g;
  let consumed = 0;
  for (const m of body.matchAll(tag)) {
    if (m.index !== consumed) throw new MalformedNotificationXmlError('unexpected character in XML');
    consumed = m.index + m[0].length;
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      top.text += decode(m[5]);
      continue;
    }
    const name = m[2]!.replace(/^[\w-]+:/, '');
    if (m[1]) {
      if (top.name !== name) throw new MalformedNotificationXmlError(`</${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const element: XmlElement = { name, children: [], text: '' };
    top.children.push(element);
    if (!m[4]) stack.push(element);
  }
  if (consumed !== body.length || stack.length !== 1) throw new MalformedNotificationXmlError('XML ends inside an element');
  const elements = root.children;
  if (elements.length !== 1 || root.text.trim() !== '') throw new MalformedNotificationXmlError('expected one root element');
  return elements[0]!;
}

const child = (e: XmlElement, name: string) => e.children.find((c) => c.name === name);
const childText = (e: XmlElement, name: string) => {
  const c = child(e, name);
  return c ? c.text.trim() : undefined;
};

function readFilter(e: XmlElement): NotificationFilter | undefined {
  const key = child(e, 'Filter') ? child(child(e, 'Filter')!, 'S3Key') : undefined;
  if (!key) return undefined;
  const rules: FilterRule[] = key.children
    .filter((c) => c.name === 'FilterRule')
    .map((r) => ({ Name: childText(r, 'Name') ?? '', Value: child(r, 'Value')?.text ?? '' }));
  return { Key: { FilterRules: rules } };
}

/** Parses the body of PutBucketNotificationConfiguration. */
export function parseNotificationXml(xml: string): NotificationConfiguration {
  const root = parseXml(xml);
  if (root.name !== 'NotificationConfiguration') throw new MalformedNotificationXmlError(`root element is ${root.name}`);
  const config: NotificationConfiguration = {};
  const common = (e: XmlElement, targetElement: string) => {
    const target = childText(e, targetElement);
    if (!target) throw new MalformedNotificationXmlError(`${e.name} without ${targetElement}`);
    const id = childText(e, 'Id');
    const filter = readFilter(e);
    return { target, rest: { ...(id ? { Id: id } : {}), Events: e.children.filter((c) => c.name === 'Event').map((c) => c.text.trim()), ...(filter ? { Filter: filter } : {}) } };
  };
  const lambdas: NonNullable<NotificationConfiguration['LambdaFunctionConfigurations']> = [];
  const queues: NonNullable<NotificationConfiguration['QueueConfigurations']> = [];
  const topics: NonNullable<NotificationConfiguration['TopicConfigurations']> = [];
  for (const e of root.children) {
    if (e.name === 'CloudFunctionConfiguration') {
      const { target, rest } = common(e, 'CloudFunction');
      lambdas.push({ ...rest, LambdaFunctionArn: target });
    } else if (e.name === 'QueueConfiguration') {
      const { target, rest } = common(e, 'Queue');
      queues.push({ ...rest, QueueArn: target });
    } else if (e.name === 'TopicConfiguration') {
      const { target, rest } = common(e, 'Topic');
      topics.push({ ...rest, TopicArn: target });
    } else if (e.name === 'EventBridgeConfiguration') {
      config.EventBridgeConfiguration = {};
    } else {
      throw new MalformedNotificationXmlError(`unknown element ${e.name}`);
    }
  }
  if (lambdas.length > 0) config.LambdaFunctionConfigurations = lambdas;
  if (queues.length > 0) config.QueueConfigurations = queues;
  if (topics.length > 0) config.TopicConfigurations = topics;
  return config;
}

/** The body of GetBucketNotificationConfiguration. */
export function notificationXml(config: NotificationConfiguration): string {
  const filter = (f: NotificationFilter | undefined) => {
    const rules = f?.Key?.FilterRules ?? [];
    if (rules.length === 0) return '';
    return `<Filter><S3Key>${rules.map((r) => `<FilterRule><Name>${encode(r.Name ?? '')}</Name><Value>${encode(r.Value ?? '')}</Value></FilterRule>`).join('')}</S3Key></Filter>`;
  };
  const rule = (element: string, targetElement: string, c: { Id?: string; Events: string[]; Filter?: NotificationFilter }, target: string) =>
    `<${element}>${c.Id ? `<Id>${encode(c.Id)}</Id>` : ''}<${targetElement}>${encode(target)}</${targetElement}>${c.Events.map((e) => `<Event>${encode(e)}</Event>`).join('')}${filter(c.Filter)}</${element}>`;
  const parts = [
    ...(config.TopicConfigurations ?? []).map((c) => rule('TopicConfiguration', 'Topic', c, c.TopicArn)),
    ...(config.QueueConfigurations ?? []).map((c) => rule('QueueConfiguration', 'Queue', c, c.QueueArn)),
    ...(config.LambdaFunctionConfigurations ?? []).map((c) => rule('CloudFunctionConfiguration', 'CloudFunction', c, c.LambdaFunctionArn)),
    ...(config.EventBridgeConfiguration ? ['<EventBridgeConfiguration></EventBridgeConfiguration>'] : []),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.join('')}</NotificationConfiguration>`;
}
