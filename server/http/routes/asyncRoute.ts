// express 4 does not catch rejected promises: route them to the error handler.
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export function asyncRoute(fn: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };
}
