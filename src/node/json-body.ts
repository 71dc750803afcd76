import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_JSON_DEPTH, nestsWithin } from '../subnet/index.ts';
import { ApiError } from './api-error.ts';

/** The content types the node reads as JSON (text/plain too: see below). */
const JSON_TYPES = ['application/json', 'text/plain'];

/**
 * The one JSON body parser of the node, so no route can forget the depth bound: Fastify's
 * own parser (which refuses `__proto__` and `constructor.prototype` keys), then a body that
 * nests deeper than MAX_JSON_DEPTH is 400 M_BAD_JSON before any route sees it. A body
 * labelled text/plain is read as JSON too, as deployed homeservers do: fetch labels a string
 * body so unless told otherwise, and matrix-js-sdk's in-room verification requests arrive
 * that way.
 */
export function useBoundedJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(JSON_TYPES);
  // Any other label (or none) is read as JSON too, as deployed homeservers do: curl -d sends
  // form-urlencoded. Routes that take other bodies (media) set their own parsers.
  app.addContentTypeParser([...JSON_TYPES, '*'], { parseAs: 'string' }, (request: FastifyRequest, body: string, done) => {
    parse(request, body, (error, value) => {
      if (error) return done(error, undefined);
      if (!nestsWithin(value, MAX_JSON_DEPTH)) return done(tooDeep(), undefined);
      done(null, value);
    });
  });
}

function tooDeep(): ApiError {
  return new ApiError(
    400,
    'M_BAD_JSON',
    `the body nests more than ${MAX_JSON_DEPTH} levels of objects and arrays; this server accepts at most ${MAX_JSON_DEPTH}`,
  );
}
