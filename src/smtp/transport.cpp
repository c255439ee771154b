#include <future>

#include "smtp/smtp.hpp"

namespace broadsheet::smtp {

DeliveryResult SmtpTransport::send(const Envelope& envelope, std::string_view message) {
  std::promise<DeliveryResult> promise;
  auto result = promise.get_future();
  pool_.submit(envelope, std::make_shared<const std::string>(message),
               [&promise](DeliveryResult r) { promise.set_value(std::move(r)); });
  return result.get();
}

}  // namespace broadsheet::smtp
