import { AzureFunction, Context } from "@azure/functions";

const archive: AzureFunction = async function (context: Context, invoiceBlob: Buffer) {
  context.bindings.archived = invoiceBlob;
};

export default archive;
