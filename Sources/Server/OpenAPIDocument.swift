import Foundation
import Search

/// The OpenAPI 3.1 description of the API, served at `/openapi.json`.
///
/// Written out rather than derived from the handlers so it reads as documentation, with the
/// constraints the handlers enforce stated as schema (required fields, one of id or vector,
/// lengths, ranges, patterns, every status each route answers). The parts that depend on
/// the index being served are filled in by `json(dimension:columns:cosine:)`: the vector
/// length and bounds, the metadata columns filters and label fields may name. `ServerTests` checks that every
/// route in `SearchAPI.routes` appears here and that every path here is routed;
/// `scripts/reference/schemathesis_check.sh` checks the server against it.
enum OpenAPIDocument {
    /// The document for an index of `dimension`-long vectors with these metadata columns.
    static func json(dimension: Int, columns: [String], cosine: Bool) -> String {
        func quoted(_ s: String) -> String { JSONText.encode(s) }
        func escapedInJSON(_ pattern: String) -> String { String(quoted(pattern).dropFirst().dropLast()) }
        let names = "[" + columns.map(quoted).joined(separator: ", ") + "]"
        let bound = VectorBounds.maxMagnitude(dimension: dimension)
        let contains = cosine ? #"{"anyOf": [{"minimum": \#(VectorBounds.minLargest)}, {"maximum": -\#(VectorBounds.minLargest)}]}"# : "{}"
        return template
            .replacingOccurrences(of: "__DIMENSION__", with: String(dimension))
            .replacingOccurrences(of: "__VMIN__", with: "\(-bound)")
            .replacingOccurrences(of: "__VMAX__", with: "\(bound)")
            .replacingOccurrences(of: "__VCONTAINS__", with: contains)
            .replacingOccurrences(of: "__COLUMNS_NULL__", with: "[" + (columns.map(quoted) + ["null"]).joined(separator: ", ") + "]")
            .replacingOccurrences(of: "__COLUMNS__", with: names)
            .replacingOccurrences(of: "__CONDITION_Q__", with: escapedInJSON(FilterGrammar.condition(columns: columns, query: true)))
            .replacingOccurrences(of: "__CONDITION__", with: escapedInJSON(FilterGrammar.condition(columns: columns, query: false)))
    }

    static let template = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Phenoscope similarity search",
    "version": "0.2.0",
    "description": "Nearest-neighbour search over cell, site, well or treatment profiles; MoA inference by neighbour vote; tags and QC flags. Writes need the API key (header X-API-Key or Authorization: Bearer); reads need it too unless the server runs with --open-reads or without a key. Every error is a JSON object {\"error\": \"...\"} naming the field at fault. Each client address may have --max-requests-per-client requests in flight (429 beyond). A method a path does not have is answered 405 with an Allow header. Connections are closed when a request's first byte, its headers or its body take longer than --idle-timeout, --header-timeout or --body-timeout. This document is generated for the index being served: vector lengths and filter fields are its own."
  },
  "components": {
    "securitySchemes": {
      "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key"
      },
      "bearer": {
        "type": "http",
        "scheme": "bearer"
      }
    },
    "parameters": {
      "ItemId": {
        "name": "id",
        "in": "path",
        "required": true,
        "schema": {"type": "integer", "minimum": 0, "maximum": 9007199254740991}
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "properties": {"error": {"type": "string", "minLength": 1}},
        "required": ["error"]
      },
      "Item": {
        "type": "object",
        "required": ["id", "fields", "tags"],
        "properties": {"id": {"type": "integer", "minimum": 0}, "score": {"type": "number", "description": "similarity to the query, higher is closer"}, "fields": {"type": "object", "additionalProperties": {"type": "string"}}, "tags": {"type": "array", "items": {"type": "string"}}, "umap": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}, "vector": {"type": "array", "items": {"type": "number"}}}
      }
    },
    "responses": {
      "BadRequest": {
        "description": "malformed request; the message names the field",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Unauthorized": {
        "description": "API key missing",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Forbidden": {
        "description": "API key wrong, or a write to a server without a key (read-only)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "NotFound": {
        "description": "no such live item, site or well",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Conflict": {
        "description": "the server was started without what the route needs: the catalog (flags), the images manifest (site images, thumbnails), an index recipe (query by image)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "TooLarge": {
        "description": "body above --max-json-bytes (1 MiB) or --max-upload-bytes (8 MiB), or an upload over --max-upload-pixels",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Unprocessable": {
        "description": "the request is well-formed but cannot be served: the files miss channels of the recipe, the site yields no cells, a site image on disk is unreadable",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "TooManyRequests": {
        "description": "this client already has --max-requests-per-client requests in flight",
        "headers": {"Retry-After": {"schema": {"type": "string"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      }
    }
  },
  "paths": {
    "/": {
      "get": {
        "summary": "The web page: plates, neighbours with thumbnails, tag filter, UMAP map, mark bad.",
        "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/health": {
      "get": {
        "summary": "Liveness and index size.",
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"status": {"type": "string"}, "items": {"type": "integer"}, "dimension": {"type": "integer"}, "kind": {"type": "string"}, "metric": {"type": "string"}}, "required": ["status", "items", "dimension", "kind", "metric"]}}}}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus text: request counts and latency histogram per route and status.",
        "responses": {"200": {"description": "metrics", "content": {"text/plain": {}}}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/openapi.json": {
      "get": {
        "summary": "This document.",
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/api/items": {
      "get": {
        "summary": "List live items, optionally filtered.",
        "parameters": [{"name": "filter", "in": "query", "schema": {"type": "string", "pattern": "^(__CONDITION__( and __CONDITION__)*)?$"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}}, {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647, "default": 0}}],
        "responses": {"200": {"description": "items", "content": {"application/json": {"schema": {"type": "object", "properties": {"total": {"type": "integer"}, "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}, "required": ["total", "items"]}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      },
      "post": {
        "summary": "Add an item (API key). Saved before the answer; no rebuild.",
        "security": [{"apiKey": []}, {"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["vector"], "additionalProperties": false, "properties": {"vector": {"type": "array", "items": {"type": "number", "minimum": __VMIN__, "maximum": __VMAX__}, "minItems": __DIMENSION__, "maxItems": __DIMENSION__, "contains": __VCONTAINS__, "description": "the index's dimension of numbers, stored as float32: each within the bounds that keep the squared norm finite in float32; for the cosine metric at least one of magnitude 1e-18 or more (a zero vector has no direction)"}, "fields": {"type": ["object", "null"], "propertyNames": {"enum": __COLUMNS__}, "additionalProperties": {"type": "string"}}, "tags": {"type": ["array", "null"], "items": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"}}}}}}},
        "responses": {"201": {"description": "added", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "413": {"$ref": "#/components/responses/TooLarge"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/api/items/{id}": {
      "parameters": [
        {"$ref": "#/components/parameters/ItemId"}
      ],
      "get": {
        "summary": "One item with its vector.",
        "responses": {"200": {"description": "item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      },
      "delete": {
        "summary": "Delete an item (API key): a tombstone, saved; ids of other items do not change.",
        "security": [{"apiKey": []}, {"bearer": []}],
        "responses": {"200": {"description": "deleted", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}, "deleted": {"type": "boolean"}}, "required": ["id", "deleted"]}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/api/items/{id}/tags": {
      "parameters": [
        {"$ref": "#/components/parameters/ItemId"}
      ],
      "post": {
        "summary": "Add and remove free tags (API key).",
        "security": [{"apiKey": []}, {"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "properties": {"add": {"type": ["array", "null"], "items": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"}}, "remove": {"type": ["array", "null"], "items": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"}}}}}}},
        "responses": {"200": {"description": "the item's tags now", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}, "required": ["id", "tags"]}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}, "413": {"$ref": "#/components/responses/TooLarge"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/api/search": {
      "post": {
        "summary": "The k nearest items to an item (itself excluded) or a vector.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"oneOf": [{"type": "object", "required": ["id"], "additionalProperties": false, "properties": {"id": {"type": "integer", "minimum": 0, "maximum": 9007199254740991, "description": "a live item id"}, "vector": {"type": "null"}, "k": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000, "default": 10}, "filter": {"description": "ItemFilter conditions, all must hold: Field=value, Field!=value, Field=a|b, Field!=$query (same or different value as the query item), tag:word, !tag:word; Field is a metadata column of this index. One string joins conditions with ' and '.", "oneOf": [{"type": "string", "pattern": "^(__CONDITION_Q__( and __CONDITION_Q__)*)?$"}, {"type": "array", "items": {"type": "string", "pattern": "^__CONDITION_Q__$"}}, {"type": "null"}]}, "ef": {"type": ["integer", "null"], "minimum": 1, "maximum": 10000, "description": "HNSW beam width"}}}, {"type": "object", "required": ["vector"], "additionalProperties": false, "properties": {"vector": {"type": "array", "items": {"type": "number", "minimum": __VMIN__, "maximum": __VMAX__}, "minItems": __DIMENSION__, "maxItems": __DIMENSION__, "contains": __VCONTAINS__, "description": "the index's dimension of numbers, stored as float32: each within the bounds that keep the squared norm finite in float32; for the cosine metric at least one of magnitude 1e-18 or more (a zero vector has no direction)"}, "id": {"type": "null"}, "k": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000, "default": 10}, "filter": {"description": "ItemFilter conditions, all must hold: Field=value, Field!=value, Field=a|b, tag:word, !tag:word; Field is a metadata column of this index. One string joins conditions with ' and '.", "oneOf": [{"type": "string", "pattern": "^(__CONDITION__( and __CONDITION__)*)?$"}, {"type": "array", "items": {"type": "string", "pattern": "^__CONDITION__$"}}, {"type": "null"}]}, "ef": {"type": ["integer", "null"], "minimum": 1, "maximum": 10000, "description": "HNSW beam width"}}}], "description": "Exactly one of id (an item, itself excluded from the answer) and vector."}}}},
        "responses": {"200": {"description": "neighbours, best first", "content": {"application/json": {"schema": {"type": "object", "properties": {"k": {"type": "integer"}, "query": {"type": "object"}, "results": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}, "required": ["k", "query", "results"]}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}, "413": {"$ref": "#/components/responses/TooLarge"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/api/search/image": {
      "post": {
        "summary": "Search by an uploaded site: a PNG or multi-page TIFF (one page per channel) as the body, or multipart/form-data with one file per channel named after it. The index's recipe.json profiles it as the items were; the answer has the cells found, the vector, the nearest items with thumbnails, the MoA vote and the novelty flag.",
        "parameters": [{"name": "k", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10}}, {"name": "plate", "in": "query", "description": "plate whose DMSO scaling normalizes the site (default: the recipe's reference plate)", "schema": {"type": "string"}}, {"name": "filter", "in": "query", "schema": {"type": "string", "pattern": "^(__CONDITION__( and __CONDITION__)*)?$"}}, {"name": "label_field", "in": "query", "schema": {"type": "string", "enum": __COLUMNS__}}],
        "requestBody": {"required": true, "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}, "image/tiff": {"schema": {"type": "string", "format": "binary"}}, "multipart/form-data": {"schema": {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string", "format": "binary"}}}}},
        "responses": {"200": {"description": "cells, cell_centres, plate, vector, features, k, results (id, score, fields, tags, thumbnail), moa (label_field, label, confidence, novel, best_similarity, novelty_threshold, votes)", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "409": {"$ref": "#/components/responses/Conflict"}, "413": {"$ref": "#/components/responses/TooLarge"}, "422": {"$ref": "#/components/responses/Unprocessable"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/api/moa": {
      "post": {
        "summary": "MoA by similarity-weighted vote of the k nearest labelled items, with confidence and a novelty flag (best similarity below the threshold calibrated on the index's DMSO items).",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"oneOf": [{"type": "object", "required": ["id"], "additionalProperties": false, "properties": {"id": {"type": "integer", "minimum": 0, "maximum": 9007199254740991, "description": "a live item id"}, "vector": {"type": "null"}, "k": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000, "default": 10}, "filter": {"description": "ItemFilter conditions, all must hold: Field=value, Field!=value, Field=a|b, Field!=$query (same or different value as the query item), tag:word, !tag:word; Field is a metadata column of this index. One string joins conditions with ' and '.", "oneOf": [{"type": "string", "pattern": "^(__CONDITION_Q__( and __CONDITION_Q__)*)?$"}, {"type": "array", "items": {"type": "string", "pattern": "^__CONDITION_Q__$"}}, {"type": "null"}]}, "label_field": {"type": ["string", "null"], "default": "Metadata_MoA", "enum": __COLUMNS_NULL__}, "exclude_same": {"type": ["string", "null"], "enum": __COLUMNS_NULL__, "description": "neighbours sharing this field with the query item do not vote; default (or null) Metadata_Compound when the index has it"}}}, {"type": "object", "required": ["vector"], "additionalProperties": false, "properties": {"vector": {"type": "array", "items": {"type": "number", "minimum": __VMIN__, "maximum": __VMAX__}, "minItems": __DIMENSION__, "maxItems": __DIMENSION__, "contains": __VCONTAINS__, "description": "the index's dimension of numbers, stored as float32: each within the bounds that keep the squared norm finite in float32; for the cosine metric at least one of magnitude 1e-18 or more (a zero vector has no direction)"}, "id": {"type": "null"}, "k": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000, "default": 10}, "filter": {"description": "ItemFilter conditions, all must hold: Field=value, Field!=value, Field=a|b, tag:word, !tag:word; Field is a metadata column of this index. One string joins conditions with ' and '.", "oneOf": [{"type": "string", "pattern": "^(__CONDITION__( and __CONDITION__)*)?$"}, {"type": "array", "items": {"type": "string", "pattern": "^__CONDITION__$"}}, {"type": "null"}]}, "label_field": {"type": ["string", "null"], "default": "Metadata_MoA", "enum": __COLUMNS_NULL__}, "exclude_same": {"type": "null"}}}], "description": "Exactly one of id (an item, itself excluded from the answer) and vector."}}}},
        "responses": {"200": {"description": "vote", "content": {"application/json": {"schema": {"type": "object", "properties": {"label": {"type": ["string", "null"]}, "confidence": {"type": "number"}, "novel": {"type": "boolean"}, "best_similarity": {"type": ["number", "null"]}, "novelty_threshold": {"type": ["number", "null"]}, "label_field": {"type": "string"}, "votes": {"type": "array", "items": {"type": "object", "properties": {"label": {"type": "string"}, "weight": {"type": "number"}}, "required": ["label", "weight"]}}, "neighbors": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}, "required": ["label", "confidence", "novel", "best_similarity", "novelty_threshold", "label_field", "votes", "neighbors"]}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}, "413": {"$ref": "#/components/responses/TooLarge"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/api/flags": {
      "post": {
        "summary": "Mark a site, or every site of a well, bad (API key): excluded in the catalog so later stages leave it out; its index items get the tag 'bad'.",
        "security": [{"apiKey": []}, {"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["plate", "well"], "additionalProperties": false, "properties": {"plate": {"type": "string", "minLength": 1}, "well": {"type": "string", "pattern": "^[A-Za-z]{1,2}0*[1-9][0-9]{0,17}$"}, "site": {"type": ["integer", "null"], "minimum": 0, "maximum": 100000}, "defect": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9_.:-]{1,64}$", "default": "manual"}}}}}},
        "responses": {"200": {"description": "flagged", "content": {"application/json": {"schema": {"type": "object", "properties": {"sites": {"type": "array", "items": {"type": "string"}}, "tagged_items": {"type": "array", "items": {"type": "integer"}}, "defect": {"type": "string"}, "excluded": {"type": "boolean"}}, "required": ["sites", "tagged_items", "defect", "excluded"]}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"$ref": "#/components/responses/Conflict"}, "413": {"$ref": "#/components/responses/TooLarge"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/api/site-images": {
      "get": {
        "summary": "A site's channels as one multi-page 16-bit TIFF in the manifest's channel order (first site of the well when site is omitted): a query by image for POST /api/search/image.",
        "parameters": [{"name": "plate", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1}}, {"name": "well", "in": "query", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z]{1,2}0*[1-9][0-9]{0,17}$"}}, {"name": "site", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 100000}}],
        "responses": {"200": {"description": "TIFF", "content": {"image/tiff": {}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"$ref": "#/components/responses/Conflict"}, "422": {"$ref": "#/components/responses/Unprocessable"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/api/thumbnail": {
      "get": {
        "summary": "PNG composite of a site's channels (first site of the well when site is omitted), rendered server-side.",
        "parameters": [{"name": "plate", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1}}, {"name": "well", "in": "query", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z]{1,2}0*[1-9][0-9]{0,17}$"}}, {"name": "site", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 100000}}],
        "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"$ref": "#/components/responses/Conflict"}, "422": {"$ref": "#/components/responses/Unprocessable"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/api/umap": {
      "get": {
        "summary": "2-D map of the live items (UMAP computed at start-up, or loaded from umap.npy).",
        "responses": {"200": {"description": "coordinates", "content": {"application/json": {"schema": {"type": "object", "properties": {"source": {"type": "string"}, "ids": {"type": "array", "items": {"type": "integer"}}, "x": {"type": "array", "items": {"type": "number"}}, "y": {"type": "array", "items": {"type": "number"}}, "labels": {"type": "array", "items": {"type": "string"}}, "label_field": {"type": ["string", "null"]}}, "required": ["source", "ids", "x", "y", "labels", "label_field"]}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    },
    "/api/plates": {
      "get": {
        "summary": "Plate layouts: each well's items, compound, MoA and bad flag.",
        "responses": {"200": {"description": "plates", "content": {"application/json": {"schema": {"type": "object", "properties": {"plates": {"type": "array", "items": {"type": "object"}}}, "required": ["plates"]}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}
      }
    }
  }
}
"""#
}
