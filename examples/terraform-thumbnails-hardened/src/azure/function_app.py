import azure.functions as func

# App Service authentication (auth_settings_v2 in main.tf) rejects unauthenticated callers before
# the request reaches the function, so no function key is needed on top of it.
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="thumbnails/{name}")
def thumbnail(req: func.HttpRequest) -> func.HttpResponse:
    name = req.route_params.get("name", "")
    if not name.replace("-", "").isalnum():
        return func.HttpResponse("bad name", status_code=400)
    return func.HttpResponse(f"thumbnail for {name}", status_code=200)
