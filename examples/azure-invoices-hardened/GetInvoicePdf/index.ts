import { AzureFunction, Context, HttpRequest } from "@azure/functions";

const getInvoicePdf: AzureFunction = async function (context: Context, req: HttpRequest) {
  context.res = { headers: { "Content-Type": "application/pdf" }, body: context.bindings.pdf };
};

export default getInvoicePdf;
