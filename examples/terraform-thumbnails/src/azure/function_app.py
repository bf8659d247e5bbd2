import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="thumbnails/{name}")
def thumbnail(req: func.HttpRequest) -> func.HttpResponse:
    name = req.route_params.get("name")
    return func.HttpResponse(f"thumbnail for {name}", status_code=200)
