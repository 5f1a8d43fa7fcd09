/** S3 errors as the SDK raises them: for tests of the S3 adapter and the Lambda entries. */
import { S3ServiceException } from '@aws-sdk/client-s3';

export const s3Error = (name: string, httpStatusCode = 404, message = name): S3ServiceException =>
  new S3ServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
    message,
  });
