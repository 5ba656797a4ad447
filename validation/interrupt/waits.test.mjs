// The next GPU file: it waits for its turn while holds.test.mjs has the card.
import { it } from 'node:test';

it('runs once the card is free', () => {});
