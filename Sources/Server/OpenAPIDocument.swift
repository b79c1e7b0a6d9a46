/// The OpenAPI 3.1 description of the API, served at `/openapi.json`.
///
/// Hand-written rather than generated so it reads as documentation; `ServerTests` checks
/// that every route in `SearchAPI.routes` appears here with its method, and that every
/// path here is a route, so the two cannot drift apart.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Phenoscope similarity search",
    "version": "0.1.0",
    "description": "Nearest-neighbour search over cell, site, well or treatment profiles; MoA inference by neighbour vote; tags and QC flags. Writes need the API key (header X-API-Key or Authorization: Bearer); reads need it too unless the server runs with --open-reads or without a key. Every error is a JSON object {\"error\": \"...\"} naming the field at fault."
  },
  "components": {
    "securitySchemes": {
      "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
      "bearer": {"type": "http", "scheme": "bearer"}
    },
    "parameters": {
      "ItemId": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}}
    },
    "schemas": {
      "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
      "Filter": {
        "description": "ItemFilter conditions, all must hold: Field=value, Field!=value, Field=a|b, Field!=$query (needs a query id), tag:word, !tag:word. One string joins conditions with ' and '.",
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
      },
      "Item": {
        "type": "object",
        "required": ["id", "fields", "tags"],
        "properties": {
          "id": {"type": "integer"},
          "score": {"type": "number", "description": "similarity to the query, higher is closer"},
          "fields": {"type": "object", "additionalProperties": {"type": "string"}},
          "tags": {"type": "array", "items": {"type": "string"}},
          "umap": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
          "vector": {"type": "array", "items": {"type": "number"}}
        }
      },
      "Query": {
        "type": "object",
        "description": "Exactly one of id and vector.",
        "properties": {
          "id": {"type": "integer", "minimum": 0},
          "vector": {"type": "array", "items": {"type": "number"}},
          "k": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10},
          "filter": {"$ref": "#/components/schemas/Filter"}
        }
      }
    },
    "responses": {
      "BadRequest": {"description": "malformed request; the message names the field", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotFound": {"description": "no such item, site or well", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unauthorized": {"description": "API key missing or wrong", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "TooLarge": {"description": "body above the limit (1 MiB JSON, 8 MiB images by default)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  },
  "paths": {
    "/": {"get": {"summary": "The web page: plates, neighbours with thumbnails, tag filter, UMAP map, mark bad.", "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}}}},
    "/health": {"get": {"summary": "Liveness and index size.", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"status": {"type": "string"}, "items": {"type": "integer"}, "dimension": {"type": "integer"}, "kind": {"type": "string"}, "metric": {"type": "string"}}}}}}}}},
    "/metrics": {"get": {"summary": "Prometheus text: request counts and latency histogram per route and status.", "responses": {"200": {"description": "metrics", "content": {"text/plain": {}}}}}},
    "/openapi.json": {"get": {"summary": "This document.", "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}}},
    "/api/items": {
      "get": {
        "summary": "List live items, optionally filtered.",
        "parameters": [
          {"name": "filter", "in": "query", "schema": {"type": "string"}},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}
        ],
        "responses": {"200": {"description": "items", "content": {"application/json": {"schema": {"type": "object", "properties": {"total": {"type": "integer"}, "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}
      },
      "post": {
        "summary": "Add an item (API key). Saved before the answer; no rebuild.",
        "security": [{"apiKey": []}, {"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["vector"], "properties": {"vector": {"type": "array", "items": {"type": "number"}}, "fields": {"type": "object", "additionalProperties": {"type": "string"}}, "tags": {"type": "array", "items": {"type": "string"}}}}}}},
        "responses": {"201": {"description": "added", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "413": {"$ref": "#/components/responses/TooLarge"}}
      }
    },
    "/api/items/{id}": {
      "parameters": [{"$ref": "#/components/parameters/ItemId"}],
      "get": {"summary": "One item with its vector.", "responses": {"200": {"description": "item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}},
      "delete": {"summary": "Delete an item (API key): a tombstone, saved; ids of other items do not change.", "security": [{"apiKey": []}, {"bearer": []}], "responses": {"200": {"description": "deleted"}, "404": {"$ref": "#/components/responses/NotFound"}, "401": {"$ref": "#/components/responses/Unauthorized"}}}
    },
    "/api/items/{id}/tags": {
      "parameters": [{"$ref": "#/components/parameters/ItemId"}],
      "post": {
        "summary": "Add and remove free tags (API key).",
        "security": [{"apiKey": []}, {"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"add": {"type": "array", "items": {"type": "string"}}, "remove": {"type": "array", "items": {"type": "string"}}}}}}},
        "responses": {"200": {"description": "the item's tags now", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}
      }
    },
    "/api/search": {
      "post": {
        "summary": "The k nearest items to an item (itself excluded) or a vector.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/Query"}, {"type": "object", "properties": {"ef": {"type": "integer", "description": "HNSW beam width"}}}]}}}},
        "responses": {"200": {"description": "neighbours, best first", "content": {"application/json": {"schema": {"type": "object", "properties": {"k": {"type": "integer"}, "query": {"type": "object"}, "results": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "413": {"$ref": "#/components/responses/TooLarge"}}
      }
    },
    "/api/search/image": {
      "post": {
        "summary": "Search by an uploaded site: a PNG or multi-page TIFF (one page per channel) as the body, or multipart/form-data with one file per channel named after it. The index's recipe.json profiles it as the items were; the answer has the cells found, the vector, the nearest items with thumbnails, the MoA vote and the novelty flag. 422 when the index has no usable recipe or channels are missing.",
        "parameters": [{"name": "k", "in": "query", "schema": {"type": "integer"}}, {"name": "plate", "in": "query", "description": "plate whose DMSO scaling normalizes the site (default: the recipe's reference plate)", "schema": {"type": "string"}}, {"name": "filter", "in": "query", "schema": {"type": "string"}}, {"name": "label_field", "in": "query", "schema": {"type": "string"}}],
        "requestBody": {"required": true, "content": {"image/png": {}, "image/tiff": {}, "multipart/form-data": {}}},
        "responses": {"200": {"description": "cells, cell_centres, plate, vector, features, k, results (id, score, fields, tags, thumbnail), moa (label_field, label, confidence, novel, best_similarity, novelty_threshold, votes)", "content": {"application/json": {}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "413": {"$ref": "#/components/responses/TooLarge"}, "422": {"description": "the index has no usable recipe, or the files miss channels", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
      }
    },
    "/api/moa": {
      "post": {
        "summary": "MoA by similarity-weighted vote of the k nearest labelled items, with confidence and a novelty flag (best similarity below the threshold calibrated on the index's DMSO items).",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/Query"}, {"type": "object", "properties": {"label_field": {"type": "string", "default": "Metadata_MoA"}, "exclude_same": {"type": ["string", "null"], "description": "neighbours sharing this field with the query item do not vote; default Metadata_Compound for id queries"}}}]}}}},
        "responses": {"200": {"description": "vote", "content": {"application/json": {"schema": {"type": "object", "properties": {"label": {"type": ["string", "null"]}, "confidence": {"type": "number"}, "novel": {"type": "boolean"}, "best_similarity": {"type": ["number", "null"]}, "novelty_threshold": {"type": ["number", "null"]}, "label_field": {"type": "string"}, "votes": {"type": "array", "items": {"type": "object", "properties": {"label": {"type": "string"}, "weight": {"type": "number"}}}}, "neighbors": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}
      }
    },
    "/api/flags": {
      "post": {
        "summary": "Mark a site, or every site of a well, bad (API key): excluded in the catalog so later stages leave it out; its index items get the tag 'bad'.",
        "security": [{"apiKey": []}, {"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["plate", "well"], "properties": {"plate": {"type": "string"}, "well": {"type": "string"}, "site": {"type": "integer"}, "defect": {"type": "string", "default": "manual"}}}}}},
        "responses": {"200": {"description": "flagged", "content": {"application/json": {"schema": {"type": "object", "properties": {"sites": {"type": "array", "items": {"type": "string"}}, "tagged_items": {"type": "array", "items": {"type": "integer"}}, "defect": {"type": "string"}, "excluded": {"type": "boolean"}}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"description": "server has no catalog", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
      }
    },
    "/api/site-images": {
      "get": {
        "summary": "A site's channels as one multi-page 16-bit TIFF in the manifest's channel order (first site of the well when site is omitted): a query by image for POST /api/search/image.",
        "parameters": [
          {"name": "plate", "in": "query", "required": true, "schema": {"type": "string"}},
          {"name": "well", "in": "query", "required": true, "schema": {"type": "string"}},
          {"name": "site", "in": "query", "schema": {"type": "integer"}}
        ],
        "responses": {"200": {"description": "TIFF", "content": {"image/tiff": {}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"description": "server has no images manifest", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
      }
    },
    "/api/thumbnail": {
      "get": {
        "summary": "PNG composite of a site's channels (first site of the well when site is omitted), rendered server-side.",
        "parameters": [
          {"name": "plate", "in": "query", "required": true, "schema": {"type": "string"}},
          {"name": "well", "in": "query", "required": true, "schema": {"type": "string"}},
          {"name": "site", "in": "query", "schema": {"type": "integer"}}
        ],
        "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"description": "server has no images manifest", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
      }
    },
    "/api/umap": {"get": {"summary": "2-D map of the live items (UMAP computed at start-up, or loaded from umap.npy).", "responses": {"200": {"description": "coordinates", "content": {"application/json": {"schema": {"type": "object", "properties": {"source": {"type": "string"}, "ids": {"type": "array", "items": {"type": "integer"}}, "x": {"type": "array", "items": {"type": "number"}}, "y": {"type": "array", "items": {"type": "number"}}, "labels": {"type": "array", "items": {"type": "string"}}, "label_field": {"type": ["string", "null"]}}}}}}}}},
    "/api/plates": {"get": {"summary": "Plate layouts: each well's items, compound, MoA and bad flag.", "responses": {"200": {"description": "plates", "content": {"application/json": {"schema": {"type": "object", "properties": {"plates": {"type": "array", "items": {"type": "object"}}}}}}}}}}
  }
}
"""#
}
