import { randomInt } from "node:crypto";

// MLflow-style human-readable run names ("adjective-noun-123"). Twenty lines of word lists do
// not justify a dependency; the nouns are weather words so names read naturally in Isobar.
const ADJECTIVES = [
  "amber", "bold", "brisk", "calm", "crisp", "dapper", "eager", "fleet", "gentle", "keen",
  "lucid", "mellow", "nimble", "placid", "quiet", "rapid", "serene", "steady", "swift", "vivid",
];
const NOUNS = [
  "anvil", "breeze", "cirrus", "cumulus", "cyclone", "dew", "drizzle", "front", "gale", "gust",
  "halo", "isobar", "jetstream", "monsoon", "nimbus", "squall", "stratus", "tempest", "trough", "zephyr",
];

export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
