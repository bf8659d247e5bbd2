import { AzureFunction, Context, HttpRequest } from "@azure/functions";
import { sign } from "../lib/sign";

const approve: AzureFunction = async function (context: Context, req: HttpRequest) {
  context.res = { status: 200, body: { signature: sign(req.params.id) } };
};

export default approve;
