/**
 * Publish functions for Moddable's two MQTT clients.
 *
 *   import MQTT from 'mqtt';
 *   const publish = classicMqttPublish(client, 'acme/sensors/42/telemetry');
 *
 * The classic `mqtt` module's Client sends QoS 0 only and takes an
 * ArrayBuffer: passing the Uint8Array itself would send its text form, so the
 * exact bytes are copied into a buffer of their own (a view's `.buffer` may be
 * larger than the view). The ECMA-419 client (`embedded:network/mqtt/client`)
 * writes with QoS 1 and reports PUBACKs through `onControl`; the device then
 * learns of a lost reading from the broker, not from silence.
 */
import type { PublishedReading } from 'xlink/device';

/** The classic client's publish (modules/network/mqtt). */
export interface ClassicMqttClient {
  publish(topic: string, data: ArrayBuffer): void;
}

/** The ECMA-419 client's write (embedded:network/mqtt/client). */
export interface Ecma419MqttClient {
  write(data: ArrayBuffer, options: { readonly topic: string; readonly QoS?: 0 | 1; readonly id?: number }): unknown;
}

/** `topic` may name the reading's scope: a function of it, or one topic for all. */
export type TopicOf = string | ((reading: PublishedReading) => string);

function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

function topicFor(topic: TopicOf, reading: PublishedReading): string {
  return typeof topic === 'string' ? topic : topic(reading);
}

export function classicMqttPublish(
  client: ClassicMqttClient,
  topic: TopicOf,
): (bytes: Uint8Array, reading: PublishedReading) => void {
  return (bytes, reading) => client.publish(topicFor(topic, reading), exactBuffer(bytes));
}

/** QoS 1 writes; the message id is the counter's low 16 bits (never 0), so a PUBACK in onControl names its reading. */
export function ecma419MqttPublish(
  client: Ecma419MqttClient,
  topic: TopicOf,
): (bytes: Uint8Array, reading: PublishedReading) => void {
  return (bytes, reading) => {
    client.write(exactBuffer(bytes), { topic: topicFor(topic, reading), QoS: 1, id: (reading.counter % 0xffff) + 1 });
  };
}
