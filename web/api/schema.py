"""The OpenAPI schema: every operation lists the errors it can answer, and bodies allow no unknown fields."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from web.api.errors import ErrorSerializer

BODY_METHODS = ("POST", "PUT", "PATCH")


class BeaconAutoSchema(AutoSchema):
    """Adds the error answers (web.api.errors) each operation can give, so responses are exact."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            responses.setdefault(str(code), self._get_response_for_code(ErrorSerializer, str(code),
                                                                        direction=direction))
        return responses

    def _error_codes(self) -> list[int]:
        codes = []
        parameters = self._get_parameters()
        has_body = self.method in BODY_METHODS and self.get_request_serializer() is not None
        if has_body or any(p["in"] == "query" for p in parameters):
            codes.append(400)
        if self.view.authentication_classes:  # every view but the token's
            codes += [401, 403]
        if any(p["in"] == "path" for p in parameters):
            codes.append(404)
        if has_body:
            codes += [413, 415]
        return codes


def forbid_unknown_fields(result, generator, request, public):
    """SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]: request bodies are refused with unknown fields (parsing.py)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The named tokens' scheme (web/api/authentication.py), as DRF's own token class had: Swagger UI's
    Authorize then sends it. Registered by being defined: this module is the schema class's."""

    target_class = "web.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "A named API token (profile page, or POST /api/v1/tokens/): "
                               "`Token <key>` or `Bearer <key>`"}
