import functions_framework


@functions_framework.http
def make_thumbnail(request):
    name = request.args.get("name", "")
    return {"thumbnail": f"128/{name}.png"}
